"""A cloud from clouds.yaml: one keystoneauth session, one RegionClient per region.

Configuration follows the usual OpenStack conventions through
`openstack.config`: `OS_CLOUD`/`--os-cloud`, clouds.yaml and secure.yaml,
`OS_*` variables, `cacert`/`insecure`, and every keystoneauth auth type.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from typing import Any

from mrconsole.cloud import errors, request_log
from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.region import RegionClient, Timeouts
from mrconsole.models import CLOUD_SEPARATOR, Identity


@dataclass
class CloudOptions:
    cloud: str | None = None
    regions: list[str] = field(default_factory=list)
    config_file: str | None = None  # a specific clouds.yaml (the lab's), instead of the search path
    timeouts: Timeouts = Timeouts()
    workers_per_region: int = 4
    # Further clouds of the same clouds.yaml, opened beside `cloud` in one fleet (`--os-cloud` repeated, a
    # two-cloud lab): their regions are named CLOUD/REGION, the first cloud's by their own names.
    also: list[str] = field(default_factory=list)


def cloud_names() -> list[str]:
    """The clouds clouds.yaml names (OS_CLIENT_CONFIG_FILE or openstack's usual places), for a shell's TAB:
    no request, and nothing (not an error) when there is no clouds.yaml or it cannot be read."""
    import openstack.config as osc

    try:
        config = osc.OpenStackConfig()
    except Exception:  # noqa: BLE001 - a TAB offers what it can; a broken clouds.yaml is said when it is used
        return []
    if config.config_filename is None:  # no clouds.yaml: openstack's own "defaults" is no cloud to name
        return []
    return sorted(n for n in config.get_cloud_names() if n != "envvars")


def load_config(opts: CloudOptions):
    import openstack.config as osc
    from openstack import exceptions as os_exc

    from mrconsole import __version__

    # The User-Agent says "mrconsole/VERSION keystoneauth1/...": a cloud's Heat and Keystone logs (and the
    # lab's access logs) tell the console's requests from other clients'.
    kwargs: dict = {"load_envvars": True, "app_name": "mrconsole", "app_version": __version__}
    if opts.config_file:
        if not os.path.exists(opts.config_file):
            raise CloudError(errors.CONFIG, f"clouds.yaml not found: {opts.config_file}")
        kwargs["config_files"] = [opts.config_file]
        kwargs["secure_files"] = []
    try:
        config = osc.OpenStackConfig(**kwargs)
    except os_exc.ConfigException as exc:
        raise CloudError(errors.CONFIG, f"cannot read clouds.yaml: {exc}") from None
    name = opts.cloud or os.environ.get("OS_CLOUD")
    if not name:
        if "envvars" in config.get_cloud_names():
            name = "envvars"
        else:
            raise CloudError(errors.CONFIG, "no cloud given: use --os-cloud NAME, OS_CLOUD, or --lab")
    if name not in config.get_cloud_names():
        if config.config_filename is None:
            raise CloudError(
                errors.CONFIG,
                f"cloud {name!r} not found: no clouds.yaml was found "
                "(set OS_CLIENT_CONFIG_FILE or put one in ~/.config/openstack/)",
            )
        known = ", ".join(n for n in config.get_cloud_names() if n != "envvars") or "none"
        raise CloudError(errors.CONFIG, f"cloud {name!r} is not in {config.config_filename} (it has: {known})")
    return config, name


def _known_regions(config, name: str) -> list[dict]:
    # openstack.config keeps the per-region list (with per-region `values`,
    # vendor profiles included) only in this loader method.
    return [r for r in config._get_known_regions(name) if r.get("name")]


class Cloud:
    """One cloud's regions, sharing one token."""

    def __init__(self, name: str, session, regions: dict[str, RegionClient], config_file: str | None):
        self.name = name
        self.session = session
        self.notices: list[str] = []  # said once to the operator (TLS verification off)
        self.regions = regions
        self.config_file = config_file

    @property
    def members(self) -> list[Cloud]:
        """The clouds this is made of: itself (Clouds: each opened cloud)."""
        return [self]

    def cloud_of(self, region: str) -> Cloud:
        """The cloud a region (by the console's name for it) belongs to."""
        return next((c for c in self.members if region in c.regions), self)

    @property
    def region_names(self) -> list[str]:
        return list(self.regions)

    @property
    def auth_url(self) -> str:
        """The Keystone this cloud logs in to ("" without auth, as noauth)."""
        return str(getattr(self.session.auth, "auth_url", "") or "")

    def region(self, name: str) -> RegionClient:
        try:
            return self.regions[name]
        except KeyError:
            raise CloudError(
                errors.CONFIG, f"region {name!r} is not in cloud {self.name!r} (it has: {', '.join(self.regions)})"
            ) from None

    def close(self) -> None:
        for client in self.regions.values():
            client.close()

    @property
    def _timeouts(self) -> Timeouts:
        return next(iter(self.regions.values())).timeouts

    async def _access(self):
        """The session's token (and catalog): a request only when keystoneauth holds none valid."""
        return await _authenticate(self.session, self._timeouts)

    async def token_expires(self):
        """When the token this session holds expires (a datetime), or None (noauth). No request while the
        token is valid: keystoneauth keeps it."""
        if self.session.auth is None:
            return None
        access = await self._access()
        return getattr(access, "expires", None)

    async def identity(self) -> Identity | None:
        """Who this session is (user, project, roles, how it logged in), or None (noauth). No request while
        the token is valid."""
        if self.session.auth is None:
            return None
        access = await self._access()
        return Identity(
            user=str(getattr(access, "username", "") or ""),
            project=str(getattr(access, "project_name", "") or ""),
            roles=tuple(sorted(getattr(access, "role_names", None) or ())),
            methods=tuple((getattr(access, "_token", None) or {}).get("methods") or ()),
        )

    async def trusts_refused(self) -> str | None:
        """Whether Keystone lets this token manage trusts, which Heat (deferred_auth_method = trusts, its
        default) needs to store a new stack: Keystone 30 refuses them to every application-credential token
        unless [security_compliance] allow_insecure_application_credential_trust_escalation is set
        (keystone/api/trusts.py `_check_delegated_token`), and listing one's own trusts is checked the same
        way. Returns Keystone's refusal, or None. One request to Keystone."""
        access = await self._access()
        loop = asyncio.get_running_loop()

        def ask():
            return self.session.get(
                "/OS-TRUST/trusts",
                endpoint_filter={"service_type": "identity", "interface": "public", "version": (3, 0)},
                params={"trustor_user_id": access.user_id},
                raise_exc=False,
            )

        try:
            answer = await asyncio.wait_for(loop.run_in_executor(None, ask), self._timeouts.deadline)
        except TimeoutError:
            raise CloudError(errors.UNAVAILABLE, "Keystone did not answer within the timeout") from None
        except Exception as exc:  # noqa: BLE001 - mapped: Keystone unreachable is one line
            raise errors.map_exception(exc, None) from None
        if answer.status_code != 403:
            return None
        try:
            return str(answer.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            return "Keystone refused (403)"


def same_keystone(a: str, b: str) -> bool:
    """Whether two auth URLs are one Keystone: scheme, host, port and path alike, the version aside
    (`https://k:5000/v3` is `https://k:5000/`)."""
    import re
    from urllib.parse import urlsplit

    def key(url: str) -> tuple:
        u = urlsplit(url.strip())
        path = re.sub(r"/v[23](\.0)?/?$", "", u.path).rstrip("/")
        return u.scheme.lower(), u.netloc.lower(), path

    return bool(urlsplit(a.strip()).netloc) and key(a) == key(b)


def _pool_per_host(session, hosts: int, per_host: int) -> None:
    """Keep a connection pool for every region's Heat and Keystone. requests keeps 10 host pools by
    default and drops the oldest past that: at 20 regions every look opened a new TCP connection (seen
    with py-spy on the 20-region bench), a cost that grew with the regions. The adapter is keystoneauth's
    own (TCP keep-alive, the TLS settings the cloud's config gave it), with room for each host."""
    from keystoneauth1.session import TCPKeepAliveAdapter

    for scheme, before in list(session.session.adapters.items()):
        adapter = TCPKeepAliveAdapter(
            pool_connections=max(hosts, 10),
            pool_maxsize=max(per_host, 10),
            tls_ciphers=getattr(before, "tls_ciphers", None),
            tls_min_version=getattr(before, "tls_min_version", None),
        )
        session.session.mount(scheme, adapter)


def _environment_once(session) -> None:
    """requests reads the proxy variables, ~/.netrc and REQUESTS_CA_BUNDLE from the environment at
    every request: two scans of the whole environment, ~0.2 ms of the ~1.6 ms of CPU a request costs
    (py-spy and per-thread CPU on the 20-region lab). The console's environment does not change while
    it runs, so without a proxy it is read once, here: the CA bundle the environment names is kept,
    ~/.netrc is not read (the token is the only credential sent). With a proxy, requests keeps its
    per-URL `no_proxy` logic, at its cost."""
    import os
    import urllib.request

    if urllib.request.getproxies():
        return
    if session.verify is True:
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
    session.session.trust_env = False


def _timed_session(cloud_region, timeouts: Timeouts):
    session = cloud_region.get_session()
    # keystoneauth passes this straight to requests, which takes (connect, read).
    session.timeout = (timeouts.connect, timeouts.read)
    return session


async def _authenticate(session, timeouts: Timeouts):
    """Fetch the token (and catalog) once, bounded by the deadline."""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(
            loop.run_in_executor(None, lambda: session.auth.get_access(session)),
            timeouts.deadline,
        )
    except TimeoutError:
        raise CloudError(errors.UNAVAILABLE, "Keystone did not answer within the timeout") from None
    except Exception as exc:  # noqa: BLE001
        mapped = errors.map_exception(exc, None)
        if mapped.kind == errors.UNAVAILABLE and not mapped.message.startswith(errors.KEYSTONE_UNREACHABLE):
            said = "Keystone" if mapped.message.startswith("TLS") else errors.KEYSTONE_UNREACHABLE
            mapped = CloudError(errors.UNAVAILABLE, f"{said}: {mapped.message}")
        raise mapped from None


class Clouds(Cloud):
    """Several clouds in one fleet (`CloudOptions.also`): every region of each, the first cloud's under their
    own names, each other's as CLOUD/REGION (two clouds may both have a RegionOne). Each cloud keeps its own
    session and token; what is asked of "the cloud" (who am I, when does my token end) is the first's, and
    `cloud_of(region)` gives a region's own."""

    def __init__(self, members: list[Cloud]):
        regions = {key: client for c in members for key, client in c.regions.items()}
        super().__init__(members[0].name, members[0].session, regions, members[0].config_file)
        self._members = members
        self.notices = [n for c in members for n in c.notices]

    @property
    def members(self) -> list[Cloud]:
        return list(self._members)

    def close(self) -> None:
        for c in self._members:
            c.close()


async def connect(opts: CloudOptions) -> Cloud:
    """Load the cloud (and the further clouds `opts.also` names) and build its region clients.

    Authenticates up front only when it must (to discover regions from the
    catalog); otherwise the first call per region does, so a Keystone outage
    shows as per-region errors rather than blocking start-up.
    """
    if not opts.also:
        return await _connect_one(opts, "")
    names = [opts.cloud or os.environ.get("OS_CLOUD") or "", *opts.also]
    if len(set(names)) != len(names):
        raise CloudError(errors.CONFIG, "a cloud is named twice: give each --os-cloud once")
    known = set()
    members: list[Cloud] = []
    try:
        for i, name in enumerate(names):
            prefix = "" if i == 0 else name + CLOUD_SEPARATOR
            own = [r for r in opts.regions if (r.startswith(prefix) if prefix else CLOUD_SEPARATOR not in r)]
            known |= {r for r in opts.regions if r in own}
            if opts.regions and not own:
                continue  # --region names none of this cloud's regions: it is not opened
            one = CloudOptions(
                cloud=name or None,
                regions=[r[len(prefix) :] for r in own],
                config_file=opts.config_file,
                timeouts=opts.timeouts,
                workers_per_region=opts.workers_per_region,
            )
            members.append(await _connect_one(one, prefix))
    except BaseException:
        for m in members:
            m.close()
        raise
    unknown = [r for r in opts.regions if r not in known]
    if unknown:
        for m in members:
            m.close()
        raise CloudError(errors.CONFIG, f"region {unknown[0]!r} is not in the clouds opened ({', '.join(names)})")
    return Clouds(members)


async def _connect_one(opts: CloudOptions, prefix: str) -> Cloud:
    """One cloud; its regions named `prefix` + their catalog names."""
    from keystoneauth1 import exceptions as kexc
    from openstack import exceptions as os_exc

    config, name = load_config(opts)
    known = _known_regions(config, name)
    try:
        first = config.get_one(cloud=name, region_name=known[0]["name"] if known else None)
    except (os_exc.ConfigException, kexc.ClientException) as exc:
        raise CloudError(errors.CONFIG, f"cloud {name!r}: {str(exc).splitlines()[0]}") from None
    session = _timed_session(first, opts.timeouts)
    request_log.watch(session)

    if known:
        names = [r["name"] for r in known]
    else:
        if session.auth is None:
            raise CloudError(errors.CONFIG, f"cloud {name!r} lists no regions and has no auth to discover them")
        access = await _authenticate(session, opts.timeouts)
        endpoints = access.service_catalog.get_endpoints(service_type="orchestration")
        names = sorted({e.get("region_id") or e.get("region") for e in endpoints.get("orchestration", [])} - {None})
        if not names:
            raise CloudError(errors.CONFIG, f"cloud {name!r}: the catalog has no orchestration endpoint")

    if opts.regions:
        unknown = [r for r in opts.regions if r not in names]
        if unknown:
            raise CloudError(
                errors.CONFIG, f"region {unknown[0]!r} is not in cloud {name!r} (it has: {', '.join(names)})"
            )
        names = [r for r in names if r in opts.regions]

    _pool_per_host(session, hosts=len(names) + 1, per_host=opts.workers_per_region)
    _environment_once(session)
    # One session per distinct TLS and auth setting: a region's own `values` (its cacert, its insecure,
    # its credentials) are honoured, and regions that share settings share a session and its token.
    sessions = {_setting(first): session}
    clients = {}
    # openstack.config's get_one loads the auth plugin through stevedore, which reads every installed
    # package's entry points: ~10 ms a region, half a second of the console's start at 50 regions. Regions
    # whose clouds.yaml entry has the same `values` (most have none) get the same answer but for the
    # region's name, which is not read from it here: asked once per distinct `values`.
    own_values = {r["name"]: json.dumps(r.get("values") or {}, sort_keys=True, default=str) for r in known}
    region_configs: dict[str, Any] = {}
    for region in names:
        override = None
        region_session = session
        try:
            values = own_values.get(region, "{}")
            if values not in region_configs:
                region_configs[values] = config.get_one(cloud=name, region_name=region)
            region_cfg = region_configs[values]
            override = region_cfg.config.get("orchestration_endpoint_override")
            interface = region_cfg.config.get("interface") or "public"
            key = _setting(region_cfg)
            if key not in sessions:
                sessions[key] = _timed_session(region_cfg, opts.timeouts)
                _pool_per_host(sessions[key], hosts=len(names) + 1, per_host=opts.workers_per_region)
                request_log.watch(sessions[key])
            region_session = sessions[key]
        except (os_exc.ConfigException, kexc.ClientException):
            interface = "public"
        clients[prefix + region] = RegionClient(
            prefix + region,
            region_session,
            catalog_region=region,
            endpoint_override=override,
            interface=interface,
            timeouts=opts.timeouts,
            max_workers=opts.workers_per_region,
        )
    cloud = Cloud(name, session, clients, config.config_filename)
    cloud.notices = _insecure_notices(name, sessions, clients)
    return cloud


def _setting(region_cfg) -> tuple:
    """What makes two regions' sessions differ: TLS (verify, client certificate) and auth."""
    import json

    verify, cert = region_cfg.get_requests_verify_args()
    auth = json.dumps(region_cfg.config.get("auth") or {}, sort_keys=True, default=str)
    return (verify, str(cert), region_cfg.config.get("auth_type"), auth)


_WARNED: set[str] = set()


def _insecure_notices(name: str, sessions: dict, clients: dict) -> list[str]:
    """`verify: false` (or `insecure`) works, and is said once per cloud and process: the token then goes
    to whoever answers. openstack.config silences urllib3's per-request warning for it."""
    off = sorted(r for r, c in clients.items() if c.session_verify is False)
    if not off or name in _WARNED:
        return []
    _WARNED.add(name)
    where = "every region" if len(off) == len(clients) else ", ".join(off)
    return [
        f"TLS verification is off for cloud {name} ({where}: verify: false in clouds.yaml): "
        "certificates are not checked, so your token goes to whoever answers"
    ]


async def authenticate(cloud: Cloud) -> None:
    """Get a token now, so bad credentials fail once and clearly. A further cloud whose Keystone does not
    answer is not a failure here: its regions say so, one reason for all (the first cloud's is)."""
    for i, member in enumerate(cloud.members):
        if member.session.auth is None:
            continue
        try:
            await _authenticate(member.session, next(iter(member.regions.values())).timeouts)
        except CloudError as exc:
            if i == 0 or exc.kind != errors.UNAVAILABLE:
                if i:
                    raise CloudError(exc.kind, f"cloud {member.name}: {exc.message}") from None
                raise
