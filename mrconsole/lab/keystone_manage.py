"""keystone-manage's set-up steps (db_sync, fernet_setup, credential_setup, bootstrap) in one interpreter.

`python -m mrconsole.lab.keystone_manage CONF STEPS_JSON`: keystone is imported once, then each step runs in
a fork of that interpreter, one after another, as `keystone-manage --config-file CONF STEP...` would (its own
oslo.config state, its own exit code). Importing keystone is most of a step's cost (about 2 s of CPU here);
four processes paid it four times, a third of a new lab's start (`lab up`, tests/bench/bench_lab_up.py).
Nothing has started a thread when the forks are made: the import only defines modules.

Exit code: 0, or 10 + the index of the first step that failed (the steps after it are not run); the step's
own output (keystone's) goes where this process's goes.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

FAILED_BASE = 10


def _run_step(manage, conf: str, step: list[str]) -> int:
    """One step in a fork of this interpreter (`manage`: keystone-manage's main, imported once); its exit code."""
    pid = os.fork()
    if pid == 0:  # the child: keystone-manage with this step's arguments
        code = 1
        try:
            sys.argv = ["keystone-manage", "--config-file", conf, *step]
            manage()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - said in the output file, as keystone-manage would
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str]) -> int:
    conf, steps = argv[0], json.loads(argv[1])
    from keystone.cmd.manage import main as manage  # imported once, before the forks share it

    for index, step in enumerate(steps):
        if _run_step(manage, conf, step) != 0:
            return FAILED_BASE + index
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
