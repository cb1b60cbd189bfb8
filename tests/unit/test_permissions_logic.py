"""Pure logic of what a login may do (core/acting/permissions.py), the menu's greying (core/acting/choices.py), a TLS
failure's line (cloud/errors.py) and the preflight of a running stack. Heat's and Keystone's own answers
are pinned on the lab (tests/lab/test_roles.py, tests/lab/test_tls.py)."""

from __future__ import annotations

import asyncio

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.choices import Choice, requests_of, with_refusals
from mrconsole.core.acting.findings import BLOCKING
from mrconsole.core.acting.permissions import Permissions
from mrconsole.core.acting.preflight import check_stack
from mrconsole.models import Identity, Stack


class _Region:
    def __init__(self, refuse: set[str], asked: list):
        self.refuse, self.asked = refuse, asked

    async def policy_probe(self, policy: str):
        self.asked.append(policy)
        return f"You are not authorized to use {policy}." if policy in self.refuse else None


class _Cloud:
    def __init__(self, methods=("password",), trusts: str | None = None, name: str = "lab", roles=("reader",)):
        self.identity_value = Identity("oncall", "demo", tuple(roles), methods)
        self.trusts = trusts
        self.trust_asks = 0
        self.name = name
        self.further: dict[str, _Cloud] = {}  # CLOUD/REGION prefix -> a cloud opened beside this one

    def cloud_of(self, region: str):
        return self.further.get(region.partition("/")[0], self) if "/" in region else self

    async def identity(self):
        return self.identity_value

    async def trusts_refused(self):
        self.trust_asks += 1
        return self.trusts


class _Fleet:
    def __init__(self, refuse=frozenset(), **cloud):
        self.asked: list[str] = []
        self._region = _Region(set(refuse), self.asked)
        self.cloud = _Cloud(**cloud)

    def region(self, name):
        return self._region


def test_a_policy_is_asked_once_per_region_and_kept():
    fleet = _Fleet(refuse={"update_patch"})
    permissions = Permissions(fleet)

    async def run():
        first = await permissions.refusal("RegionOne", "update")
        again = await permissions.refusal("RegionOne", "rollout")  # the same policy: stacks:update_patch
        allowed = await permissions.refusal("RegionOne", "check")
        return first, again, allowed

    first, again, allowed = asyncio.run(run())
    assert first is not None and first.short() == "your role (reader) cannot update stacks in RegionOne"
    assert "Heat: You are not authorized to use update_patch." in first.line()
    assert again == first and allowed is None
    assert fleet.asked == ["update_patch", "check"]  # two requests, not three


def test_what_is_known_without_a_request_and_what_is_not_asked_yet():
    fleet = _Fleet(refuse={"suspend"})
    permissions = Permissions(fleet)
    asyncio.run(permissions.refusals([("RegionOne", "suspend"), ("RegionOne", "breakpoints"), ("RegionOne", "check")]))
    refused, unknown = permissions.known_refusals("RegionOne", ["suspend", "check", "delete", "breakpoints"])
    assert refused == {"suspend": "your role (reader) cannot suspend stacks in RegionOne"}
    assert unknown == ["delete"]  # breakpoints is a read: no policy is kept for it
    assert "breakpoints" not in fleet.asked


def test_a_read_only_region_refuses_every_change_without_a_request_and_no_read():
    fleet = _Fleet()
    permissions = Permissions(fleet)
    permissions.read_only = frozenset({"RegionTwo"})

    async def run():
        return [await permissions.refusal("RegionTwo", a) for a in ("delete", "rollout", "signal", "preview")]

    delete, rollout, signal, preview = asyncio.run(run())
    assert delete is not None and delete.short() == "RegionTwo is read-only (config)"
    assert "read-only in the config" in delete.line() and rollout is not None and signal is not None
    assert preview is None and fleet.asked == ["preview_update_patch"]  # a read goes to Heat's policy as before
    refused, unknown = permissions.known_refusals("RegionTwo", ["check", "update"])
    assert set(refused) == {"check", "update"} and unknown == []  # known at once: the menu greys them unasked
    assert asyncio.run(permissions.refusal("RegionOne", "delete")) is None  # other regions as Heat says


def test_a_403_from_a_real_request_is_kept_and_anything_else_is_not():
    permissions = Permissions(_Fleet())
    refused = asyncio.run(
        permissions.learn("RegionTwo", "delete", CloudError(errors.FORBIDDEN, "not allowed: no", "RegionTwo"))
    )
    assert refused is not None and refused.said == "no"
    assert permissions.known("RegionTwo", "delete") == (True, refused)
    assert asyncio.run(permissions.learn("RegionTwo", "check", CloudError(errors.UNAVAILABLE, "down"))) is None
    assert permissions.known("RegionTwo", "check") == (False, None)


def test_an_application_credentials_create_is_refused_from_keystones_answer_asked_once():
    fleet = _Fleet(methods=("application_credential",), trusts="Delegated tokens cannot manage trusts.")
    permissions = Permissions(fleet)

    async def run():
        return [await permissions.refusal(r, "create") for r in ("RegionOne", "RegionTwo")]

    one, two = asyncio.run(run())
    assert one and two and "Keystone refuses trusts to an application credential" in one.line()
    assert "allow_insecure_application_credential_trust_escalation" in one.line()
    assert fleet.cloud.trust_asks == 1
    assert asyncio.run(permissions.refusal("RegionOne", "update")) is None  # an update needs no new trust
    password = _Fleet()
    assert asyncio.run(Permissions(password).refusal("RegionOne", "create")) is None
    assert password.cloud.trust_asks == 0  # a password login is never asked


def test_the_menu_greys_what_the_role_cannot_do_and_keeps_a_states_reason_first():
    menu = [Choice("rollout"), Choice("snapshots"), Choice("resume", "CREATE_COMPLETE: not suspended"), Choice("check")]
    assert requests_of(menu) == ["rollout", "snapshot", "resume", "check"]
    greyed = with_refusals(menu, {"rollout": "your role (reader) cannot update stacks", "resume": "role"})
    assert [c.reason for c in greyed] == [
        "your role (reader) cannot update stacks",
        "",
        "CREATE_COMPLETE: not suspended",
        "",
    ]


def test_a_tls_failure_is_one_line_naming_the_endpoint():
    raw = (
        "SSL exception connecting to https://127.0.0.1:21100/v3/auth/tokens: HTTPSConnectionPool(host='127.0.0.1', "
        "port=21100): Max retries exceeded with url: /v3/auth/tokens (Caused by SSLError(SSLCertVerificationError(1, "
        "'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate "
        "(_ssl.c:1006)')))"
    )
    line = errors.tls_refused(raw)
    assert "\n" not in line and line.startswith("TLS: https://127.0.0.1:21100 presented a certificate")
    assert "(unable to get local issuer certificate)" in line and "cacert" in line


def test_a_running_stack_refuses_a_new_action_but_not_a_cancel_or_a_delete():
    running = Stack("RegionOne", "id", "web", "UPDATE_IN_PROGRESS")
    for action in ("suspend", "update", "check", "resume"):
        found = check_stack(running, action)
        assert found and found[0].severity == BLOCKING and "UPDATE_IN_PROGRESS" in found[0].message
        assert "mrconsole stack cancel web --region RegionOne" in found[0].instead
    [checking] = check_stack(Stack("RegionOne", "id", "web", "CHECK_IN_PROGRESS"), "update")
    assert "mrconsole stack check web --region RegionOne" in checking.instead and "cancel" not in checking.instead
    for action in ("delete", "cancel_update", "cancel_without_rollback"):
        assert check_stack(running, action) == []
    assert check_stack(Stack("RegionOne", "id", "web", "CHECK_IN_PROGRESS"), "check") == []  # clears a stuck one


def test_each_cloud_says_its_own_roles_and_its_own_keystone_is_asked_about_trusts():
    """Two clouds opened together (#38): a region's refusal names that cloud's roles, and Keystone's answer on
    trusts is asked of each cloud once."""
    fleet = _Fleet(refuse={"update_patch"}, methods=("application_credential",), trusts=None)
    edge = _Cloud(methods=("application_credential",), trusts="Delegated tokens cannot manage trusts.",
                  name="edge", roles=("member",))  # fmt: skip
    fleet.cloud.further["edge"] = edge
    permissions = Permissions(fleet)

    async def run():
        return [await permissions.refusal(r, a) for r, a in
                (("RegionOne", "update"), ("edge/RegionOne", "update"), ("RegionOne", "create"),
                 ("edge/RegionOne", "create"), ("edge/RegionTwo", "create"))]  # fmt: skip

    first, second, create_first, create_edge, create_edge_two = asyncio.run(run())
    assert first.roles == "reader" and second.roles == "member", (first, second)
    assert create_first is None and create_edge is not None and create_edge_two is not None
    assert (fleet.cloud.trust_asks, edge.trust_asks) == (1, 1)
