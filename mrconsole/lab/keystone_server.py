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

    _token_per_thread()
    app = wsgi.initialize_public_application()

    from mrconsole.lab.wsgi_server import serve

    serve(app, port, access_log, tls=(argv[3], argv[4]) if len(argv) > 4 else None)


def _token_per_thread() -> None:
    """Keystone 30's AuthContextMiddleware keeps the token it validated on the middleware itself
    (`self.token`, keystone/server/flask/request_processing/middleware/auth_context.py), one object for
    every request the process serves: with two requests at once, one is judged with the other's token.
    Seen on the lab (threads): Heat's own service token refused `identity:validate_token` in a burst, and
    a trust for the demo user refused as "made with domain scope" (the stack domain admin's token, sent
    at the same moment). kolla-ansible serves Keystone with one thread per process (mod_wsgi threads=1),
    where this never happens; openstack-helm's threads=6 would meet it. The lab serves with threads, so
    the attribute is made per thread: each request sees its own token, as in one-thread processes."""
    import threading

    from keystone.server.flask.request_processing.middleware import auth_context

    local = threading.local()
    auth_context.AuthContextMiddleware.token = property(
        lambda self: getattr(local, "token", None), lambda self, value: setattr(local, "token", value)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
