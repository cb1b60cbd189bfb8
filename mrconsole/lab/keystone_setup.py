"""Register the lab's regions, endpoints, projects and users in Keystone.

Runs once, right after `keystone-manage bootstrap`, through Keystone's own
v3 API as the bootstrap admin. Every region gets identity endpoints on all
three interfaces: Heat answers 500 EndpointNotFound without them.

Lab-only, and the one place outside cloud/ that uses keystoneauth1: it acts
as Keystone's administrator, which the console itself never does.
"""

from __future__ import annotations

import secrets

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

INTERFACES = ("public", "internal", "admin")


class _Keystone:
    def __init__(self, url: str, password: str, user: str = "admin", project: str = "admin", cafile: str | None = None):
        auth = v3.Password(
            auth_url=url + "/v3",
            username=user,
            password=password,
            project_name=project,
            user_domain_id="default",
            project_domain_id="default",
        )
        self.session = ks_session.Session(auth=auth, verify=cafile or True)
        self.base = url + "/v3"

    def get(self, path: str, **params) -> dict:
        return self.session.get(self.base + path, params=params, timeout=30).json()

    def post(self, path: str, body: dict) -> dict:
        return self.session.post(self.base + path, json=body, timeout=30).json()

    def put(self, path: str) -> None:
        self.session.put(self.base + path, timeout=30)

    def patch(self, path: str, body: dict) -> None:
        self.session.patch(self.base + path, json=body, timeout=30)

    def find(self, collection: str, name: str) -> dict | None:
        items = self.get(f"/{collection}", name=name)[collection]
        return items[0] if items else None

    def ensure(self, collection: str, singular: str, body: dict) -> dict:
        found = self.find(collection, body["name"])
        if found:
            return found
        return self.post(f"/{collection}", {singular: body})[singular]


def register(layout) -> None:
    ks_url = layout.url("keystone")
    ks = _Keystone(ks_url, layout.admin_password, cafile=layout.cafile)

    existing_regions = {r["id"] for r in ks.get("/regions")["regions"]}
    for region in layout.regions:
        if region not in existing_regions:
            ks.post("/regions", {"region": {"id": region}})

    identity = ks.get("/services", type="identity")["services"][0]
    orchestration = ks.get("/services", type="orchestration")["services"]
    if orchestration:
        orchestration = orchestration[0]
    else:
        orchestration = ks.post(
            "/services",
            {"service": {"type": "orchestration", "name": "heat", "enabled": True}},
        )["service"]

    endpoints = ks.get("/endpoints")["endpoints"]
    have = {(e["service_id"], e["region_id"], e["interface"]) for e in endpoints}
    for region in layout.regions:
        for interface in INTERFACES:
            wanted = [
                (identity["id"], ks_url + "/v3"),
                (orchestration["id"], layout.url(region) + "/v1/%(tenant_id)s"),
            ]
            for service_id, url in wanted:
                if (service_id, region, interface) in have:
                    continue
                ks.post(
                    "/endpoints",
                    {
                        "endpoint": {
                            "service_id": service_id,
                            "region_id": region,
                            "interface": interface,
                            "url": url,
                            "enabled": True,
                        }
                    },
                )

    domain_id = "default"
    # heat_stack_user: the role Heat gives the users it creates for signals (heat.conf heat_stack_user_role).
    roles = {
        name: ks.ensure("roles", "role", {"name": name})
        for name in ("admin", "member", "reader", "service", "heat_stack_user")
    }
    service = ks.ensure("projects", "project", {"name": "service", "domain_id": domain_id})
    demo = ks.ensure("projects", "project", {"name": "demo", "domain_id": domain_id})
    heat_user = ks.ensure(
        "users",
        "user",
        {"name": "heat", "domain_id": domain_id, "password": layout.service_password, "enabled": True},
    )
    demo_user = ks.ensure(
        "users",
        "user",
        {"name": "demo", "domain_id": domain_id, "password": layout.demo_password, "enabled": True},
    )
    # Heat's service user validates tokens (service role) and manages
    # deferred-auth credentials (admin) in the service project.
    for role in ("admin", "service"):
        ks.put(f"/projects/{service['id']}/users/{heat_user['id']}/roles/{roles[role]['id']}")
    # The operator is an ordinary project member, as in a real cloud.
    ks.put(f"/projects/{demo['id']}/users/{demo_user['id']}/roles/{roles['member']['id']}")
    # Heat's stack user domain (heat.conf stack_user_domain_name): the users a signalled resource
    # (a wait condition handle) gets are created there by Heat's domain admin.
    heat_domain = ks.ensure("domains", "domain", {"name": "heat", "enabled": True})
    domain_admin = ks.ensure(
        "users",
        "user",
        {
            "name": "heat_domain_admin",
            "domain_id": heat_domain["id"],
            "password": layout.service_password,
            "enabled": True,
        },
    )
    ks.put(f"/domains/{heat_domain['id']}/users/{domain_admin['id']}/roles/{roles['admin']['id']}")


def add_people(layout) -> dict:
    """The lab's other ways in, as a real project has them (#34): an on-call user with the `reader` role in
    the demo project, and two application credentials of the operator (`demo`, a member): one unrestricted,
    one restricted (Keystone's default, which cannot create trusts: keystone/api/trusts.py
    `_check_unrestricted`). Returns what clouds.yaml needs (kept in lab.json, 0600, as the passwords are).
    Idempotent per name: a credential's secret is shown by Keystone once, so one found without a kept
    secret is deleted and made again."""
    ks = _Keystone(layout.url("keystone"), layout.admin_password, cafile=layout.cafile)
    demo = ks.find("projects", "demo")
    if demo is None:
        raise LookupError("no demo project in the lab's Keystone (register() makes it)")
    reader = ks.ensure("roles", "role", {"name": "reader"})
    people = dict(layout.extra.get("people") or {})
    if "reader_password" not in people:
        people["reader_password"] = "p" + secrets.token_urlsafe(16)
    oncall = ks.find("users", "oncall")
    if oncall is None:
        oncall = ks.post(
            "/users",
            {
                "user": {
                    "name": "oncall",
                    "domain_id": "default",
                    "password": people["reader_password"],
                    "enabled": True,
                }
            },
        )["user"]
    else:
        ks.patch(f"/users/{oncall['id']}", {"user": {"password": people["reader_password"]}})
    ks.put(f"/projects/{demo['id']}/users/{oncall['id']}/roles/{reader['id']}")

    as_demo = _Keystone(layout.url("keystone"), layout.demo_password, user="demo", project="demo", cafile=layout.cafile)
    demo_user = as_demo.session.get_user_id()
    creds = dict(people.get("appcreds") or {})
    listed = as_demo.get(f"/users/{demo_user}/application_credentials")["application_credentials"]
    by_name = {c["name"]: c for c in listed}
    for name, unrestricted in (("mrconsole-lab-appcred", True), ("mrconsole-lab-appcred-restricted", False)):
        if name in creds and by_name.get(name, {}).get("id") == creds[name]["id"]:
            continue
        if name in by_name:
            as_demo.session.delete(f"{as_demo.base}/users/{demo_user}/application_credentials/{by_name[name]['id']}")
        made = as_demo.post(
            f"/users/{demo_user}/application_credentials",
            {"application_credential": {"name": name, "unrestricted": unrestricted}},
        )["application_credential"]
        creds[name] = {"id": made["id"], "secret": made["secret"], "unrestricted": unrestricted}
    people["appcreds"] = creds
    return people


def warm_up(layout, regions: list[str]) -> None:
    """One authenticated stack list per region, one after another.

    Just after Keystone starts, a burst of concurrent first validations was
    seen to get 403 on `identity:validate_token` for Heat's own service
    token (3 of 80 creates at 8 concurrent creators). The cause, found
    later: Keystone kept one validated token for all concurrent requests
    (lab/keystone_server.py `_token_per_thread` corrects it); the warm-up
    stays, as it makes the first requests of a test quicker."""
    auth = v3.Password(
        auth_url=layout.url("keystone") + "/v3",
        username="demo",
        password=layout.demo_password,
        project_name="demo",
        user_domain_id="default",
        project_domain_id="default",
    )
    session = ks_session.Session(auth=auth, verify=layout.cafile or True)
    project = session.get_project_id()
    for region in regions:
        session.get(f"{layout.url(region)}/v1/{project}/stacks", params={"limit": 1}, timeout=60, raise_exc=False)


def set_password(layout, user: str, password: str) -> None:
    """As Keystone's admin: a user's password changed under its sessions (a revoked credential)."""
    ks = _Keystone(layout.url("keystone"), layout.admin_password, cafile=layout.cafile)
    found = ks.find("users", user)
    if found is None:
        raise LookupError(f"no user {user} in the lab's Keystone")
    ks.patch(f"/users/{found['id']}", {"user": {"password": password}})


def add_member(layout, user: str, password: str) -> None:
    """As Keystone's admin: another member of the demo project (a second operator, for what one user's
    action does to another's stacks). Idempotent."""
    ks = _Keystone(layout.url("keystone"), layout.admin_password, cafile=layout.cafile)
    demo, member = ks.find("projects", "demo"), ks.find("roles", "member")
    if demo is None or member is None:
        raise LookupError("no demo project or member role in the lab's Keystone")
    found = (
        ks.find("users", user)
        or ks.post("/users", {"user": {"name": user, "domain_id": "default", "password": password, "enabled": True}})[
            "user"
        ]
    )
    ks.put(f"/projects/{demo['id']}/users/{found['id']}/roles/{member['id']}")


def register_key_manager(layout) -> None:
    """Barbican in the catalog (`key-manager`), in the lab's first region only: the region of the masters the
    lab's examples make, where Heat reads a constituent's `credential_secret_id` (remote_stack.py reads it with
    the master's context, so through the master region's catalog)."""
    ks = _Keystone(layout.url("keystone"), layout.admin_password, cafile=layout.cafile)
    found = ks.get("/services", type="key-manager")["services"]
    service = (
        found[0]
        if found
        else ks.post("/services", {"service": {"type": "key-manager", "name": "barbican", "enabled": True}})["service"]
    )
    region = layout.regions[0]
    have = {
        (e["region_id"], e["interface"]) for e in ks.get("/endpoints")["endpoints"] if e["service_id"] == service["id"]
    }
    for interface in INTERFACES:
        if (region, interface) not in have:
            ks.post(
                "/endpoints",
                {
                    "endpoint": {
                        "service_id": service["id"],
                        "region_id": region,
                        "interface": interface,
                        "url": layout.url("barbican"),
                        "enabled": True,
                    }
                },
            )


def store_secret(layout, name: str, payload: str) -> str:
    """As the lab's operator (demo): a secret in the lab's Barbican (`openstack secret store`); its ref."""
    as_demo = _Keystone(layout.url("keystone"), layout.demo_password, user="demo", project="demo", cafile=layout.cafile)
    answer = as_demo.session.post(
        layout.url("barbican") + "/v1/secrets",
        json={"name": name, "payload": payload, "payload_content_type": "text/plain"},
        timeout=30,
    )
    return str(answer.json()["secret_ref"])
