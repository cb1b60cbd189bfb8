"""`mrconsole lab`: bring a real local multi-region OpenStack up and down.

One Keystone and one Heat per region, each its own process on 127.0.0.1,
all state under one directory (so several labs can coexist). The layout is
kept in DIR/lab.json; `start` reuses the same ports and data.
"""

from __future__ import annotations

import base64
import functools
import getpass
import grp
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import platformdirs
import yaml

from mrconsole.lab import configs, faults, heat_fork, processes
from mrconsole.logs import logger

CLOUD_NAME = "mrconsole-lab"
DEFAULT_REGIONS = ("RegionOne", "RegionTwo", "RegionThree")
DEFAULT_BASE_PORT = 8770
KEYSTONE = "keystone"
DATABASE = "mariadb"  # the production profile's database server (lab/mariadb.py)
BARBICAN = "barbican"  # `lab up --barbican`: secrets for remote clouds' credentials (lab/barbican_server.py)
# `lab up --clouds 2`: a second cloud, its own Keystone and Heat, kept in DIR/cloud-edge as a lab of its own (same
# profile, the first lab's database server and CA). Its regions bear the first lab's first two regions' names: a
# master made there has a constituent in another region of its own cloud, and Heat looks a constituent with
# credential_secret_id up under the master's region name (tests/lab/test_barbican.py). Its components are named
# `lab-edge/NAME` in `lab` commands.
EDGE_CLOUD = "lab-edge"
EDGE_DIR = "cloud-edge"
# Resource types every lab region offers through a Heat plugin of the lab's own (plugin_dirs), so that one
# region can be made to lack one for real (`mrconsole lab lack-type`): Heat then refuses a template using it
# there, as a region on an older release or without a service does. Plain resource classes (like
# OS::Heat::None): no nested stack, so no deferred auth is needed to create them.
LAB_TYPES = ("Lab::Cache::Redis", "Lab::Queue::Kafka")
LAB_PLUGIN = """\"\"\"mrconsole's lab: resource types a region can be made to lack (mrconsole lab lack-type).\"\"\"
import json
import os

from heat.engine.resources.openstack.heat.none_resource import NoneResource


class LabType(NoneResource):
    \"\"\"A lab resource type: it does nothing, like OS::Heat::None.\"\"\"


def resource_mapping():
    path = os.path.join(os.path.dirname(__file__), "lab-types.json")
    with open(path) as f:
        offered = json.load(f)
    return {name: LabType for name in offered}
"""
READY_TIMEOUT = 180.0


class LabError(Exception):
    """A failure an operator can act on; the message is one line."""


def default_dir() -> Path:
    env = os.environ.get("MRCONSOLE_LAB_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_state_dir("mrconsole")) / "lab"


@dataclass
class LabLayout:
    """What is persisted in DIR/lab.json."""

    regions: list[str]
    keystone: bool
    ports: dict[str, int]
    admin_password: str = ""
    demo_password: str = ""
    service_password: str = ""
    bootstrapped: bool = False
    extra: dict = field(default_factory=dict)

    def url(self, component: str) -> str:
        if component == DATABASE:
            return f"mysql://127.0.0.1:{self.ports[component]}"
        scheme = "https" if self.extra.get("tls") else "http"
        return f"{scheme}://127.0.0.1:{self.ports[component]}"

    @property
    def cafile(self) -> str | None:
        """The lab's CA certificate, when its endpoints are HTTPS (lab/tls.py)."""
        return self.extra.get("cafile") if self.extra.get("tls") else None

    @property
    def components(self) -> list[str]:
        return (
            ([DATABASE] if self.own_database else [])
            + ([KEYSTONE] if self.keystone else [])
            + ([BARBICAN] if self.extra.get(BARBICAN) else [])
            + list(self.regions)
        )

    @property
    def mariadb(self) -> bool:
        return self.extra.get("db") == "mariadb"

    @property
    def own_database(self) -> bool:
        """MariaDB runs as this lab's own component (a second cloud's lab uses the first one's server)."""
        return self.mariadb and DATABASE in self.ports

    @property
    def shared(self) -> dict:
        """What a second cloud's lab takes from the first: its database server, its CA (`Lab.edge`)."""
        return self.extra.get("shared") or {}

    def database_url(self, component: str) -> str | None:
        """Where `component` keeps its data on MariaDB, or None (sqlite, in its own directory)."""
        if not self.mariadb:
            return None
        from mrconsole.lab import mariadb

        if self.shared:
            db = self.shared["db"]
            return mariadb.url(db["port"], db["password"], db["prefix"] + mariadb.database_of(component))
        return mariadb.url(self.ports[DATABASE], self.extra["db_password"], mariadb.database_of(component))

    @property
    def clouds(self) -> int:
        return 2 if self.extra.get("edge") else 1


@dataclass
class ComponentStatus:
    name: str
    kind: str
    pid: int | None
    port: int
    state: str
    url: str
    log: str
    fault: str = ""  # the HTTP fault in front of it (faults.py), if any


def _password() -> str:
    """A random password that no command line can take for an option (token_urlsafe may start with '-':
    keystone-manage then failed, once in 64 lab set-ups)."""
    return "p" + secrets.token_urlsafe(16)


class Lab:
    def __init__(self, directory: Path | str | None = None, tls_dir: Path | None = None):
        self.dir = Path(directory) if directory else default_dir()
        self.dir = self.dir.expanduser().resolve()
        self._tls_dir = tls_dir  # a second cloud's lab: the first one's CA (edge())

    def edge(self) -> Lab:
        """The second cloud's lab (`lab up --clouds 2`), in DIR/cloud-edge: same CA as this one."""
        return Lab(self.dir / EDGE_DIR, tls_dir=self.tls_dir)

    def has_edge(self) -> bool:
        return self.exists() and self.layout().clouds == 2

    # -- paths ---------------------------------------------------------------
    @property
    def layout_file(self) -> Path:
        return self.dir / "lab.json"

    @property
    def clouds_yaml(self) -> Path:
        return self.dir / "clouds.yaml"

    @property
    def tls_dir(self) -> Path:
        return self._tls_dir or self.dir / "tls"

    @property
    def fork_dir(self) -> Path:
        """The Heats' fork server (lab/heat_fork.py): its pid file and output."""
        return self.dir / "heat-fork"

    def component_dir(self, name: str) -> Path:
        return self.dir / name

    def pid_file(self, name: str) -> Path:
        return self.component_dir(name) / "pid"

    def log_file(self, name: str) -> Path:
        if name == DATABASE:
            return self.output_file(name)
        kind = name if name in (KEYSTONE, BARBICAN) else "heat"
        return self.component_dir(name) / f"{kind}.log"

    def output_file(self, name: str) -> Path:
        return self.component_dir(name) / "process.log"

    def access_log(self, name: str) -> Path:
        return self.component_dir(name) / "access.log"

    # -- layout --------------------------------------------------------------
    def exists(self) -> bool:
        return self.layout_file.exists()

    def layout(self) -> LabLayout:
        try:
            data = json.loads(self.layout_file.read_text())
        except FileNotFoundError:
            raise LabError(f"no lab in {self.dir}; run `mrconsole lab up` first") from None
        except ValueError:
            raise LabError(f"{self.layout_file} is damaged; run `mrconsole lab down --purge`") from None
        return LabLayout(**data)

    def _save(self, layout: LabLayout) -> None:
        tmp = self.layout_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(layout), indent=2))
        os.chmod(tmp, 0o600)
        tmp.replace(self.layout_file)

    # -- status --------------------------------------------------------------
    def status(self) -> list[ComponentStatus]:
        layout = self.layout()
        out = []
        for name in layout.components:
            state, pid = processes.process_state(self.pid_file(name))
            out.append(
                ComponentStatus(
                    name=name,
                    kind={KEYSTONE: KEYSTONE, DATABASE: "database", BARBICAN: BARBICAN}.get(name, "heat"),
                    pid=pid,
                    port=layout.ports[name],
                    state=state,
                    url=layout.url(name) + {KEYSTONE: "/v3", DATABASE: "", BARBICAN: "/v1"}.get(name, "/v1"),
                    log=str(self.log_file(name)),
                    fault=str(faults.read(self.component_dir(name)) or ""),
                )
            )
        if layout.clouds == 2 and self.edge().exists():
            out += [replace(c, name=f"{EDGE_CLOUD}/{c.name}") for c in self.edge().status()]
        return out

    @staticmethod
    def profile(layout: LabLayout) -> str:
        return layout.extra.get("profile", "simple")

    def is_up(self) -> bool:
        return self.exists() and all(c.state == processes.UP for c in self.status())

    # -- up ------------------------------------------------------------------
    def up(
        self,
        regions: list[str] | None = None,
        keystone: bool = True,
        base_port: int = DEFAULT_BASE_PORT,
        progress=lambda msg: None,
        profile: str | None = None,
        db: str | None = None,
        barbican: bool = False,
        clouds: int = 1,
        shared: dict | None = None,
    ) -> bool:
        """Bring the lab up. Returns False when it was already up (nothing changed). `profile`: how its
        Heat and Keystone are set (configs.PROFILES); a lab keeps the one it was made with. `clouds=2`: a
        second cloud too (EDGE_CLOUD; Barbican holds its login). `shared`: for that second cloud's own lab
        only, what it takes from the first (`_up_edge`)."""
        if clouds not in (1, 2):
            raise LabError(f"--clouds {clouds}: 1 or 2")
        if clouds == 2:
            barbican = True  # the second cloud's login is a secret in the first cloud's Barbican
        if profile is not None and profile not in configs.PROFILES:
            raise LabError(f"profile {profile!r}: one of {', '.join(configs.PROFILES)}")
        if db not in (None, "sqlite", "mariadb"):
            raise LabError(f"--db {db!r}: sqlite or mariadb")
        if self.exists():
            layout = self.layout()
            if regions and list(regions) != layout.regions:
                raise LabError(
                    f"the lab in {self.dir} has regions {','.join(layout.regions)}; "
                    "use another --dir or `lab down --purge` first"
                )
            if profile is not None and profile != self.profile(layout):
                raise LabError(
                    f"the lab in {self.dir} has the {self.profile(layout)} profile; "
                    "use another --dir or `lab down --purge` first"
                )
            if clouds == 2 and layout.clouds != 2:
                raise LabError(
                    f"the lab in {self.dir} was made with one cloud; use another --dir or `lab down --purge` first"
                )
            if barbican and not layout.extra.get(BARBICAN):
                raise LabError(
                    f"the lab in {self.dir} was made without Barbican; use another --dir or `lab down --purge` first"
                )
            if self.is_up():
                return False
        else:
            regions = list(regions or DEFAULT_REGIONS)
            _check_region_names(regions)
            _check_lab_extra(keystone)
            if barbican and not keystone:
                what = "--clouds 2" if clouds == 2 else "--barbican"
                raise LabError(
                    f"{what} needs Keystone (Barbican's API is behind Keystone's authtoken): drop --no-keystone"
                )
            if not keystone and profile not in (None, "simple"):
                raise LabError(f"the {profile} profile needs Keystone (trusts): drop --no-keystone")
            # Without Keystone there are no trusts to defer to: the noauth lab is the simple profile.
            profile = profile or (configs.DEFAULT_PROFILE if keystone else "simple")
            db = _database(profile, db)
            db_port = None
            if db == "mariadb" and not (shared or {}).get("db"):
                db_port = _free_port() if base_port == 0 else base_port + len(regions) + int(keystone)
                if processes.port_in_use(db_port):
                    raise LabError(f"port {db_port} for {DATABASE} is already in use; pick another --base-port")
            layout = self._new_layout(regions, keystone, base_port, taken={db_port} if db_port else set())
            layout.extra["profile"] = profile
            layout.extra["db"] = db
            if shared:
                layout.extra["shared"] = shared
            if clouds == 2:
                layout.extra["edge"] = {"regions": regions[:2]}
            if db_port is not None:
                layout.ports = {DATABASE: db_port, **layout.ports}
                layout.extra["db_password"] = _password()
            if barbican:
                port = _free_port(set(layout.ports.values())) if base_port == 0 else base_port + len(layout.ports)
                if processes.port_in_use(port):
                    raise LabError(f"port {port} for {BARBICAN} is already in use; pick another --base-port")
                layout.ports[BARBICAN] = port
                layout.extra[BARBICAN] = True
                layout.extra["barbican_kek"] = base64.b64encode(secrets.token_bytes(32)).decode()
                (self.component_dir(BARBICAN) / ".barbican").mkdir(parents=True, exist_ok=True)
            # The production profiles serve every endpoint over HTTPS with a CA of the lab's own.
            if profile.startswith("production"):
                from mrconsole.lab import tls

                layout.extra["tls"] = True
                layout.extra["cafile"] = str(tls.make_ca(self.tls_dir))
            self._save(layout)
        _check_lab_extra(layout.keystone)
        started: list[str] = []
        try:
            if layout.own_database:
                progress("starting MariaDB")
                self._start(layout, DATABASE, started)
                self._wait_ready(layout, [DATABASE])
            elif layout.mariadb:  # the first cloud's server: this cloud's databases in it
                from mrconsole.lab import mariadb

                server = layout.shared["db"]
                names = [server["prefix"] + mariadb.database_of(c) for c in layout.components]
                mariadb.prepare(server["port"], server["password"], names)
            if layout.keystone:
                if not layout.bootstrapped:
                    progress("bootstrapping Keystone (db_sync, fernet keys, admin)")
                    self._bootstrap_keystone(layout)
                self._start(layout, KEYSTONE, started)
                self._wait_ready(layout, [KEYSTONE])
                if not layout.bootstrapped:
                    progress("registering regions, endpoints, demo project and user")
                    self._register(layout)
                    layout.bootstrapped = True
                    self._save(layout)
                if "people" not in layout.extra:  # a lab made before the reader and the credentials
                    progress("adding the on-call reader and the application credentials")
                    from mrconsole.lab.keystone_setup import add_people

                    layout.extra["people"] = add_people(layout)
                    self._save(layout)
                if layout.extra.get(BARBICAN):
                    if not layout.extra.get("key_manager_registered"):
                        progress("registering Barbican (key-manager) in the catalog")
                        from mrconsole.lab.keystone_setup import register_key_manager

                        register_key_manager(layout)
                        layout.extra["key_manager_registered"] = True
                        self._save(layout)
                    self._write_barbican_conf(layout)
                    self._start(layout, BARBICAN, started)
                    self._wait_ready(layout, [BARBICAN])
            else:
                self._write_token_response(layout)
            for region in layout.regions:
                self._write_heat_conf(layout, region)
                self._start(layout, region, started)
            progress(f"waiting for Heat in {', '.join(layout.regions)}")
            self._wait_ready(layout, layout.regions)
            self._warm_up(layout, layout.regions)
            if layout.clouds == 2:
                self._up_edge(layout, progress)
        except BaseException:
            if layout.clouds == 2:
                self.edge().down()
            for name in started:
                processes.terminate(self.pid_file(name))
            if all(c.state == processes.STOPPED for c in self.status()):
                heat_fork.stop(self.fork_dir)  # nothing of the lab runs: no fork server left behind either
            raise
        self._write_clouds_yaml(layout)
        return True

    def _up_edge(self, layout: LabLayout, progress) -> None:
        """The second cloud: a lab of its own in DIR/cloud-edge on the same profile, CA and database server,
        whose Keystone lets an application credential's token create trusts (its Heat must, for a stack sent
        with one: keystone/api/trusts.py `_check_delegated_token`, LP#2150089), then its two application
        credentials (unrestricted, restricted) stored in this cloud's Barbican as the logins an
        OS::Heat::Stack's `credential_secret_id` names (refs kept in lab.json)."""
        progress(
            f"the second cloud ({EDGE_CLOUD}): its Keystone and Heat in {', '.join(layout.extra['edge']['regions'])}"
        )
        shared: dict = {"appcred_trusts": True}
        if layout.own_database:
            shared["db"] = {"port": layout.ports[DATABASE], "password": layout.extra["db_password"], "prefix": "edge_"}
        edge = self.edge()
        edge.up(
            regions=list(layout.extra["edge"]["regions"]),
            base_port=0,
            profile=self.profile(layout),
            db=layout.extra.get("db"),
            shared=shared,
            progress=progress,
        )
        if "secrets" in layout.extra["edge"]:
            return
        from mrconsole.lab.keystone_setup import store_secret

        progress(f"storing {EDGE_CLOUD}'s application credentials in Barbican")
        edge_layout = edge.layout()
        url = edge_layout.url(KEYSTONE) + "/v3"
        secrets_made = {}
        for key, name in (
            ("unrestricted", "mrconsole-lab-appcred"),
            ("restricted", "mrconsole-lab-appcred-restricted"),
        ):
            cred = edge_layout.extra["people"]["appcreds"][name]
            login = {
                "auth_type": "v3applicationcredential",
                "auth": {
                    "auth_url": url,
                    "application_credential_id": cred["id"],
                    "application_credential_secret": cred["secret"],
                },
            }
            secrets_made[key] = store_secret(layout, f"{EDGE_CLOUD} ({key})", json.dumps(login))
        layout.extra["edge"]["secrets"] = secrets_made
        self._save(layout)

    def _new_layout(
        self, regions: list[str], keystone: bool, base_port: int, taken: set[int] | None = None
    ) -> LabLayout:
        names = ([KEYSTONE] if keystone else []) + regions
        if base_port == 0:
            ports: dict[str, int] = {}
            for name in names:
                ports[name] = _free_port(set(ports.values()) | (taken or set()))
        else:
            ports = {name: base_port + i for i, name in enumerate(names)}
        for name, port in ports.items():
            if processes.port_in_use(port):
                raise LabError(f"port {port} for {name} is already in use; pick another --base-port")
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        for name in names:
            (self.component_dir(name) / "locks").mkdir(parents=True, exist_ok=True)
        layout = LabLayout(
            regions=regions,
            keystone=keystone,
            ports=ports,
            admin_password=_password(),
            demo_password=_password(),
            service_password=_password(),
        )
        self._save(layout)
        return layout

    def _start(self, layout: LabLayout, name: str, started: list[str]) -> None:
        state, _ = processes.process_state(self.pid_file(name))
        if state == processes.FROZEN:
            processes.send(self.pid_file(name), signal.SIGCONT)
            return
        if state == processes.UP:
            return
        port = layout.ports[name]
        if processes.port_in_use(port):
            raise LabError(f"port {port} for {name} is already in use by another process")
        cdir = self.component_dir(name)
        if name == DATABASE:
            from mrconsole.lab import mariadb

            cdir.mkdir(mode=0o700, parents=True, exist_ok=True)
            mariadb.initialise(cdir / "data", self.output_file(name))
            processes.spawn_command(
                mariadb.server_args(cdir / "data", port),
                pid_file=self.pid_file(name),
                output=self.output_file(name),
                cwd=cdir,
            )
            started.append(name)
            return
        env = {}
        # How the process starts: Keystone and Barbican as programs, a region's Heat forked (lab/heat_fork.py).
        if name == KEYSTONE:
            spawn = functools.partial(processes.spawn, "mrconsole.lab.keystone_server")
            conf = cdir / "keystone.conf"
        elif name == BARBICAN:
            spawn = functools.partial(processes.spawn, "mrconsole.lab.barbican_server")
            conf = cdir / "barbican-api-paste.ini"
            env["HOME"] = str(cdir)  # its plugins read ~/.barbican/barbican.conf only (barbican_server.py)
        else:
            spawn = functools.partial(heat_fork.spawn, self.fork_dir)
            conf = cdir / "heat.conf"
        args = [str(conf), str(port), str(self.access_log(name))]
        if layout.cafile:
            from mrconsole.lab import tls

            args += [str(f) for f in tls.issue(self.tls_dir, name)]
            # Heat's RemoteStack verifies the other region's Heat with requests' default trust whenever the
            # template gives a `context` without `ca_cert` (remote_stack.py _context: verify = True, over
            # [clients] ca_file): a private CA must be in the process's default trust, as kolla puts it
            # (kolla_copy_ca_into_containers, REQUESTS_CA_BUNDLE). The lab does the same.
            env["REQUESTS_CA_BUNDLE"] = layout.cafile
        spawn(args, env=env, pid_file=self.pid_file(name), output=self.output_file(name), cwd=cdir)
        started.append(name)

    def _wait_ready(self, layout: LabLayout, names: list[str]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        pending = list(names)
        while pending:
            for name in list(pending):
                state, _ = processes.process_state(self.pid_file(name))
                if state == processes.STOPPED:
                    raise LabError(f"{name} failed to start; read {self.output_file(name)} and {self.log_file(name)}")
                if name == DATABASE:
                    ready = _database_answers(layout)
                else:
                    ready = _answers(layout.url(name) + ("/v3" if name == KEYSTONE else "/"), layout.cafile)
                if ready:
                    pending.remove(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise LabError(
                    f"{pending[0]} did not answer within {READY_TIMEOUT:.0f}s; read {self.log_file(pending[0])}"
                )
            time.sleep(0.3)

    def _warm_up(self, layout: LabLayout, regions: list[str]) -> None:
        if not layout.keystone:
            return
        from mrconsole.lab.keystone_setup import warm_up  # lazy: keystoneauth1 costs `mrconsole --help` 0.1 s

        up = [r for r in regions if processes.process_state(self.pid_file(r))[0] == processes.UP]
        try:
            warm_up(layout, up)
        except Exception:  # noqa: BLE001 - a warm-up that fails changes nothing; the lab is up
            logger().warning("lab warm-up failed (the lab is up; the first requests are slower)", exc_info=True)

    # -- keystone ------------------------------------------------------------
    def _bootstrap_keystone(self, layout: LabLayout) -> None:
        kdir = self.component_dir(KEYSTONE)
        conf = kdir / "keystone.conf"
        conf.write_text(
            configs.keystone_conf(
                kdir,
                self.log_file(KEYSTONE),
                layout.extra.get("token_expiration", 7200),
                self.profile(layout),
                layout.database_url(KEYSTONE),
                appcred_trusts=bool(layout.shared.get("appcred_trusts")),
            )
        )
        for sub in ("fernet-keys", "credential-keys"):
            (kdir / sub).mkdir(mode=0o700, exist_ok=True)
        user = getpass.getuser()
        group = grp.getgrgid(os.getgid()).gr_name
        url = layout.url(KEYSTONE) + "/v3"
        first = layout.regions[0]
        steps = [
            ["db_sync"],
            ["fernet_setup", "--keystone-user", user, "--keystone-group", group],
            ["credential_setup", "--keystone-user", user, "--keystone-group", group],
            [
                "bootstrap",
                f"--bootstrap-password={layout.admin_password}",
                "--bootstrap-region-id",
                first,
                "--bootstrap-admin-url",
                url,
                "--bootstrap-public-url",
                url,
                "--bootstrap-internal-url",
                url,
            ],
        ]
        from mrconsole.lab.keystone_manage import FAILED_BASE

        # One interpreter for the four steps (lab/keystone_manage.py): keystone imported once, not four times.
        cmd = [sys.executable, "-m", "mrconsole.lab.keystone_manage", str(conf), json.dumps(steps)]
        with open(self.output_file(KEYSTONE), "ab") as out:
            done = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        if done.returncode != 0:
            index = done.returncode - FAILED_BASE
            what = steps[index][0] if 0 <= index < len(steps) else "set-up"
            raise LabError(f"keystone-manage {what} failed; read {self.output_file(KEYSTONE)}")

    def _register(self, layout: LabLayout) -> None:
        from mrconsole.lab.keystone_setup import register  # lazy: keystoneauth1 (start-up time)

        register(layout)

    def _write_token_response(self, layout: LabLayout) -> None:
        urls = {r: layout.url(r) for r in layout.regions}
        path = self.dir / "token_response.json"
        path.write_text(configs.noauth_token_response(urls))

    def _write_heat_conf(self, layout: LabLayout, region: str) -> None:
        cdir = self.component_dir(region)
        (cdir / "locks").mkdir(parents=True, exist_ok=True)
        if not self._lab_types_file(region).exists():
            self._write_lab_types(region, lacking=())
        text = configs.heat_conf(
            region=region,
            data_dir=cdir,
            log_file=self.log_file(region),
            keystone_url=layout.url(KEYSTONE) if layout.keystone else None,
            service_password=layout.service_password,
            token_response=self.dir / "token_response.json",
            profile=self.profile(layout),
            cafile=layout.cafile,
            database_url=layout.database_url(region),
        )
        conf = cdir / "heat.conf"
        conf.write_text(text)
        os.chmod(conf, 0o600)

    def _write_barbican_conf(self, layout: LabLayout) -> None:
        cdir = self.component_dir(BARBICAN)
        conf = cdir / ".barbican" / "barbican.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(
            configs.barbican_conf(
                port_url=layout.url(BARBICAN),
                data_dir=cdir,
                log_file=self.log_file(BARBICAN),
                keystone_url=layout.url(KEYSTONE),
                service_password=layout.service_password,
                kek=layout.extra["barbican_kek"],
                cafile=layout.cafile,
            )
        )
        os.chmod(conf, 0o600)
        installed = Path(sys.prefix) / "etc" / "barbican" / "barbican-api-paste.ini"
        (cdir / "barbican-api-paste.ini").write_text(configs.barbican_paste(installed.read_text(), conf))

    def _write_clouds_yaml(self, layout: LabLayout) -> None:
        """The lab's clouds: `mrconsole-lab` (the operator, a member), and with Keystone the ways in a real
        project has beside it (`lab/keystone_setup.add_people`), each chosen by `--lab --os-cloud NAME`."""
        clouds = {}
        if layout.keystone:
            common = {"identity_api_version": 3, "interface": "public", "regions": list(layout.regions)}
            if layout.cafile:
                common["cacert"] = layout.cafile
            url = layout.url(KEYSTONE) + "/v3"

            def password(user: str, secret: str) -> dict:
                auth = {"auth_url": url, "username": user, "password": secret, "project_name": "demo"}
                auth |= {"user_domain_name": "Default", "project_domain_name": "Default"}
                return {"auth": auth, "auth_type": "password", **common}

            clouds[CLOUD_NAME] = password("demo", layout.demo_password)
            people = layout.extra.get("people") or {}
            if people:
                clouds[CLOUD_NAME + "-reader"] = password("oncall", people["reader_password"])
            for name, cred in (people.get("appcreds") or {}).items():
                auth = {"auth_url": url, "application_credential_id": cred["id"]}
                auth["application_credential_secret"] = cred["secret"]
                clouds[name] = {"auth": auth, "auth_type": "v3applicationcredential", **common}
            if layout.clouds == 2 and self.edge().exists():
                # The second cloud as its operator logs in: its own demo user, its own Keystone.
                edge = self.edge().layout()
                auth = {"auth_url": edge.url(KEYSTONE) + "/v3", "username": "demo", "password": edge.demo_password}
                auth |= {"project_name": "demo", "user_domain_name": "Default", "project_domain_name": "Default"}
                clouds[EDGE_CLOUD] = {"auth": auth, "auth_type": "password", **common, "regions": list(edge.regions)}
        else:
            clouds[CLOUD_NAME] = {
                "auth_type": "none",
                "regions": [
                    {
                        "name": r,
                        "values": {"orchestration_endpoint_override": layout.url(r) + "/v1/admin"},
                    }
                    for r in layout.regions
                ],
            }
        clouds = {"clouds": clouds}
        tmp = self.clouds_yaml.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(clouds, sort_keys=False))
        os.chmod(tmp, 0o600)
        tmp.replace(self.clouds_yaml)

    # -- control -------------------------------------------------------------
    def _component(self, name: str) -> LabLayout:
        layout = self.layout()
        if name not in layout.components:
            known = ", ".join(c.name for c in self.status())
            raise LabError(f"unknown component {name!r}; the lab has: {known}")
        return layout

    def _edge_part(self, name: str) -> str | None:
        """`lab-edge/NAME`: NAME, a component of the second cloud's lab; None for one of this lab's."""
        prefix = EDGE_CLOUD + "/"
        if not name.startswith(prefix):
            return None
        if self.layout().clouds != 2:
            raise LabError(f"unknown component {name!r}: this lab has one cloud (lab up --clouds 2 makes two)")
        return name[len(prefix) :]

    def stop(self, name: str) -> None:
        if (part := self._edge_part(name)) is not None:
            return self.edge().stop(part)
        layout = self._component(name)
        processes.terminate(self.pid_file(name))
        processes.wait_port_free(layout.ports[name])

    # -- a region that lacks a resource type (Heat releases or services differ during an upgrade) --------
    def _lab_types_file(self, region: str) -> Path:
        return self.component_dir(region) / "lab-plugins" / "lab-types.json"

    def _write_lab_types(self, region: str, lacking) -> None:
        """The lab's plugin and the types it offers in `region` (read by its Heat at start)."""
        path = self._lab_types_file(region)
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "mrconsole_lab_types.py").write_text(LAB_PLUGIN)
        path.write_text(json.dumps([t for t in LAB_TYPES if t not in lacking]) + "\n")

    def lab_types(self, region: str) -> list[str]:
        path = self._lab_types_file(region)
        if not path.exists():
            return list(LAB_TYPES)
        return sorted(json.loads(path.read_text()))

    def lack_type(self, region: str, type_name: str, lacking: bool = True) -> None:
        """Take one of the lab's resource types away from `region`'s Heat (or give it back), and restart
        that Heat so its global environment is read again."""
        if type_name not in LAB_TYPES:
            raise LabError(f"{type_name} is not one of the lab's types ({', '.join(LAB_TYPES)})")
        self._component(region)  # an unknown region is one line
        have = set(self.lab_types(region))
        now_lacking = (set(LAB_TYPES) - have) | {type_name} if lacking else (set(LAB_TYPES) - have) - {type_name}
        self._write_lab_types(region, now_lacking)
        self.stop(region)
        self.start(region)

    def start(self, name: str) -> None:
        if (part := self._edge_part(name)) is not None:
            return self.edge().start(part)
        layout = self._component(name)
        started: list[str] = []
        try:
            self._start(layout, name, started)
            self._wait_ready(layout, [name])
            if name not in (DATABASE, BARBICAN):
                self._warm_up(layout, layout.regions if name == KEYSTONE else [name])
        except BaseException:
            for n in started:
                processes.terminate(self.pid_file(n))
            raise

    def fault(self, name: str, fault) -> None:
        """Put an HTTP fault (faults.Fault) in front of a component, or take it away (None)."""
        if (part := self._edge_part(name)) is not None:
            return self.edge().fault(part, fault)
        self._component(name)
        if name == DATABASE:
            raise LabError("HTTP faults are for Keystone and the regions; stop or freeze the database instead")
        faults.write(self.component_dir(name), fault)

    def set_token_expiration(self, seconds: int) -> bool:
        """Keystone's token lifetime; a running Keystone is restarted with it. False when unchanged."""
        if not 10 <= seconds <= 86400:
            raise LabError("--token-expiration must be between 10 and 86400 seconds")
        layout = self.layout()
        if not layout.keystone:
            raise LabError("this lab runs without Keystone (lab up --no-keystone): there are no tokens")
        if layout.extra.get("token_expiration", 7200) == seconds:
            return False
        layout.extra["token_expiration"] = seconds
        self._save(layout)
        kdir = self.component_dir(KEYSTONE)
        (kdir / "keystone.conf").write_text(
            configs.keystone_conf(
                kdir,
                self.log_file(KEYSTONE),
                seconds,
                self.profile(layout),
                layout.database_url(KEYSTONE),
                appcred_trusts=bool(layout.shared.get("appcred_trusts")),
            )
        )
        if {c.name: c.state for c in self.status()}.get(KEYSTONE) == processes.UP:
            self.stop(KEYSTONE)
            self.start(KEYSTONE)
        return True

    def revoke_credentials(self, revoked: bool = True) -> None:
        """The lab's clouds.yaml password stops working (or works again): the demo user's password is
        changed in Keystone, and every token expired, so a running client must re-authenticate."""
        from mrconsole.lab.keystone_setup import set_password  # lazy: keystoneauth1 (start-up time)

        layout = self.layout()
        set_password(layout, "demo", _password() if revoked else layout.demo_password)
        self.expire_tokens()

    def expire_tokens(self) -> None:
        """Every token issued so far becomes invalid, as after a key rotation that dropped every old key:
        each Fernet key is replaced, and Keystone restarted (its validation cache would still vouch for
        old tokens: lab keystone.conf [cache])."""
        from cryptography.fernet import Fernet

        if not self.layout().keystone:
            raise LabError("this lab runs without Keystone (lab up --no-keystone): there are no tokens")
        keys = self.component_dir(KEYSTONE) / "fernet-keys"
        for key in sorted(keys.iterdir()):
            if key.name.isdigit():
                tmp = key.with_name(f".{key.name}.tmp")
                tmp.write_bytes(Fernet.generate_key())
                os.chmod(tmp, 0o600)
                tmp.replace(key)
        self.stop(KEYSTONE)
        self.start(KEYSTONE)

    def freeze(self, name: str) -> None:
        self._signal(name, signal.SIGSTOP, processes.FROZEN)

    def thaw(self, name: str) -> None:
        self._signal(name, signal.SIGCONT, processes.UP)

    def _signal(self, name: str, sig: int, expected: str) -> None:
        """Send the signal and wait (bounded) until the state shows it: delivery is asynchronous."""
        if (part := self._edge_part(name)) is not None:
            return self.edge()._signal(part, sig, expected)
        self._component(name)
        if not processes.send(self.pid_file(name), sig):
            raise LabError(f"{name} is not running")
        deadline = time.monotonic() + 5.0
        while processes.process_state(self.pid_file(name))[0] != expected and time.monotonic() < deadline:
            time.sleep(0.02)

    def down(self, purge: bool = False) -> None:
        if not self.exists():
            if purge and self.dir.exists() and not any(self.dir.iterdir()):
                self.dir.rmdir()
            return
        layout = self.layout()
        if layout.clouds == 2:  # before this lab's database server, which it uses
            self.edge().down()
        # Heat first: a Heat process mid-request may still be calling Keystone.
        for name in reversed(layout.components):
            processes.terminate(self.pid_file(name))
        heat_fork.stop(self.fork_dir)
        if purge:
            shutil.rmtree(self.dir)


def _database_answers(layout: LabLayout) -> bool:
    """MariaDB takes a login, and every database the lab needs is there (made at the first answer)."""
    from mrconsole.lab import mariadb

    try:
        mariadb.prepare(
            layout.ports[DATABASE],
            layout.extra["db_password"],
            [mariadb.database_of(c) for c in layout.components if c != DATABASE],
        )
        return True
    except Exception:  # noqa: BLE001 - refused, not yet listening: not ready yet
        return False


def _answers(url: str, cafile: str | None = None) -> bool:
    # lazy: urllib.request pulls in http.client and email (10 ms of every `mrconsole --help`)
    import urllib.error
    import urllib.request

    from mrconsole.lab.tls import client_context

    try:
        urllib.request.urlopen(url, timeout=2, context=client_context(cafile)).close()
        return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (300 from Heat's version list) means ready
    except Exception:  # noqa: BLE001 - refused, reset, timed out: not ready yet, whatever the cause
        return False


# Where the lab's own ports are chosen from: below the kernel's ephemeral range (Linux: 32768-60999).
PORT_FLOOR = 10000


def _ephemeral_low() -> int:
    """The first port the kernel may give an outgoing connection (net.ipv4.ip_local_port_range)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _free_port(taken: set[int] | frozenset[int] = frozenset()) -> int:
    """A port nothing listens on, for a component to bind once it starts (seconds later). Not one from the
    ephemeral range: in between, any outgoing connection on the machine may take such a port as its local
    end, and the component then fails to bind (seen in the lab tier: a Heat process's EADDRINUSE while three
    test workers were talking to their labs). Below that range only another chooser can collide: chosen at
    random among ~22,000, checked free. `taken`: ports this layout already holds."""
    low = _ephemeral_low()
    if low - 1 > PORT_FLOOR:
        for _ in range(200):
            port = random.randint(PORT_FLOOR, low - 1)
            if port not in taken and not processes.port_in_use(port):
                return port
    with socket.socket() as sock:  # a machine whose ephemeral range starts low: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database(profile: str, asked: str | None) -> str:
    """The production profiles keep Keystone's and Heat's data in MariaDB when the machine has it (the
    Makefile installs it); sqlite otherwise, and for the simple profile."""
    from mrconsole.lab import mariadb

    if asked == "mariadb" and not mariadb.available():
        raise LabError(mariadb.MISSING)
    if asked == "mariadb" and not profile.startswith("production"):
        raise LabError("--db mariadb is for the production profiles")
    if asked is not None:
        return asked
    return "mariadb" if profile.startswith("production") and mariadb.available() else "sqlite"


def _check_region_names(regions: list[str]) -> None:
    if not regions:
        raise LabError("--regions needs at least one region name")
    if len(set(regions)) != len(regions):
        raise LabError("--regions lists a region twice")
    for r in regions:
        if not r or r == KEYSTONE or not r.replace("-", "").replace("_", "").isalnum():
            raise LabError(f"invalid region name {r!r}: use letters, digits, - and _")


def _check_lab_extra(keystone: bool) -> None:
    missing = []
    for module in ("heat", "keystone") if keystone else ("heat",):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise LabError(
            "the lab extra is not installed (missing: " + ", ".join(missing) + "); run `pip install 'mrconsole[lab]'`"
        )


def seed_files_root() -> Path:
    return Path(__file__).resolve().parent.parent / "examples"
