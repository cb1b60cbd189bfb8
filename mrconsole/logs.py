"""mrconsole's own log: a file in the XDG state dir, never the screen.

What goes here is what an operator should never have to read on a console
during an incident but a developer needs afterwards: the traceback of a
background loop that failed unexpectedly (the console shows one line and
restarts the loop). Rotated at 1 MB, three files kept. Never secrets: only
exceptions and region names are written.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from mrconsole.config import state_dir

LOGGER = "mrconsole"


def log_path() -> Path:

    return state_dir() / "mrconsole.log"


def logger() -> logging.Logger:
    log = logging.getLogger(LOGGER)
    # A write that fails (a full disk) must not print logging's own traceback onto the operator's
    # terminal, over the console: the line is lost, the console goes on (#33).
    logging.raiseExceptions = False
    if not log.handlers:
        log.propagate = False  # the terminal belongs to the console
        log.setLevel(logging.INFO)
        try:
            path = log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
            os.chmod(path, 0o600)
        except OSError:
            handler = logging.NullHandler()  # a read-only home must not stop the console
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    return log
