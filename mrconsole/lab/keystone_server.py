"""The lab's Keystone: upstream Keystone's public WSGI app on 127.0.0.1.

Run as `python -m mrconsole.lab.keystone_server CONFIG PORT ACCESS_LOG`.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    config_file, port, access_log = argv[0], int(argv[1]), argv[2]
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = config_file
    # Keystone's initialiser parses sys.argv with oslo.config; ours are not its.
    sys.argv = [sys.argv[0]]

    from mrconsole.lab import sqlite_tuning

    sqlite_tuning.install()  # before Keystone creates its engine

    from keystone.server import wsgi

    app = wsgi.initialize_public_application()

    from mrconsole.lab.wsgi_server import serve

    serve(app, port, access_log)


if __name__ == "__main__":
    main(sys.argv[1:])
