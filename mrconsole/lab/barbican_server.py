"""The lab's Barbican (#38): upstream Barbican's API on 127.0.0.1, behind Keystone's authtoken as in production,
secrets on sqlite, encrypted by its simple crypto plugin. What Heat reads a remote cloud's credential from
(an `OS::Heat::Stack`'s `context: {credential_secret_id: ...}`: remote_stack.py `_get_from_secret`).

Run as `python -m mrconsole.lab.barbican_server PASTE_INI PORT ACCESS_LOG [CERT KEY]`, with `HOME` set to the
component's directory: Barbican's plugins parse their own configuration from oslo's default places only
(`~/.barbican/barbican.conf`; the simple crypto plugin says "SimpleCrypto KEK is undefined" otherwise), so
the lab writes it there.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    paste_ini, port, access_log = argv[0], int(argv[1]), argv[2]
    sys.argv = [sys.argv[0]]  # Barbican parses sys.argv with oslo.config at import; ours are not its

    from mrconsole.lab import sqlite_tuning

    sqlite_tuning.install()  # before Barbican creates its engine

    from oslo_service import backend

    backend.init_backend(backend.BackendType.THREADING)

    from barbican.common import config  # noqa: F401 - parses ~/.barbican/barbican.conf
    from paste import deploy

    app = deploy.loadapp(f"config:{paste_ini}")  # its schema made on first use (db_auto_create)

    from mrconsole.lab.wsgi_server import serve

    serve(app, port, access_log, tls=(argv[3], argv[4]) if len(argv) > 4 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
