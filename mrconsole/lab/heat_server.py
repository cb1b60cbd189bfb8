"""One lab region: Heat's API and engine in a single process.

Run as `python -m mrconsole.lab.heat_server CONFIG PORT ACCESS_LOG`.
There is no `heat-all` any more, so this stitches the two together: the
threading backend of oslo.service must be chosen before `oslo_service.service`
is imported, RPC stays in-process through `fake://` (woken at each delivery:
rpc_wakeup.py), and the schema comes from Heat's own alembic migrations, its
integer ids never reused as on MariaDB (sqlite_ids.py).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    config_file, port, access_log = argv[0], int(argv[1]), argv[2]

    from mrconsole.lab import sqlite_tuning

    sqlite_tuning.install()  # before Heat creates its engine

    from oslo_service import backend

    backend.init_backend(backend.BackendType.THREADING)

    from heat import version
    from heat.common import config, messaging
    from oslo_config import cfg
    from oslo_log import log as logging

    conf = cfg.CONF
    logging.register_options(conf)
    conf(
        args=["--config-file", config_file],
        project="heat",
        prog="heat-api",
        version=version.version_info.version_string(),
    )
    logging.setup(conf, "heat")
    config.set_config_defaults()
    from mrconsole.lab import rpc_wakeup

    rpc_wakeup.install()  # before the engine listens
    messaging.setup()

    from mrconsole.lab import sqlite_ids

    sqlite_ids.install()  # before the schema is created
    if conf.database.connection.startswith("sqlite:///"):
        rebuilt = sqlite_ids.upgrade(Path(conf.database.connection.removeprefix("sqlite:///")))
        if rebuilt:
            logging.getLogger(__name__).info("ids never reused now in %s", ", ".join(rebuilt))

    from heat.db import migration

    migration.db_sync()

    from heat.engine import service as engine_service
    from heat.rpc import api as rpc_api

    engine = engine_service.EngineService(conf.host, rpc_api.ENGINE_TOPIC)
    engine.start()

    app = config.load_paste_app("heat-api")

    from mrconsole.lab.wsgi_server import serve

    serve(app, port, access_log, tls=(argv[3], argv[4]) if len(argv) > 4 else None)


if __name__ == "__main__":
    main(sys.argv[1:])
