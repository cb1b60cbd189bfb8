"""The lab's production profile (#34): Heat and Keystone as real clouds run them (trusts, long operations
re-authenticated by trusts, trusts re-delegated to the remote region). Heat is the oracle: what it does
there, and on the simple profile (password deferred auth) beside it."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from mrconsole.state.journal import Journal

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "production"
MASTER_T, ENV = str(CORPUS / "master.yaml"), str(CORPUS / "env.yaml")
ROLLOUT_T = str(Path(__file__).resolve().parents[2] / "mrconsole" / "examples" / "rollout" / "master.yaml")


def _on(lab) -> tuple[str, ...]:
    return ("--lab", "--lab-dir", str(lab.dir))


def _status(cli, lab, name: str) -> dict:
    code, out, err = cli("status", *_on(lab), "--master", name, "--format", "json")
    assert out, err
    return json.loads(out)


def test_a_constituent_with_a_group_a_nested_template_and_a_wait_condition_creates_under_trusts(
    production_lab, simple_lab, cli
):
    """Real masters hold these inside a constituent. Under trusts Heat creates them (the wait condition
    completes once its handle is signalled); under password deferred auth it cannot (Heat asks for the
    user's password, which a remote-stack request does not carry)."""
    code, out, err = cli(
        "stack", "create", "real", "-t", MASTER_T, "-e", ENV, *_on(production_lab), "--region", "RegionOne"
    )
    assert code == 0, err + out
    from tests.conftest import wait_until

    def waiting_constituent() -> str:
        """The constituent's name once its wait condition waits (Heat's own status for `ready`): a signal
        sent before the handle exists, or before the condition waits, is not what is being tested."""
        code, out, err = cli("resources", "real", *_on(production_lab), "--region", "RegionOne", "--format", "json")
        if code != 0:
            return ""
        rows = json.loads(out)["resources"]
        ready = [r for r in rows if r["from"] == "app" and r["resource"] == "ready"]
        return ready[0]["stack_name"] if ready and ready[0]["status"] == "CREATE_IN_PROGRESS" else ""

    assert wait_until(waiting_constituent, 180, interval=1.0), "the wait condition never waited"
    constituent = waiting_constituent()
    code, out, err = cli(
        "resource", "signal", constituent, "handle", *_on(production_lab), "--region", "RegionTwo", "--yes"
    )
    assert code == 0, err + out
    # Bounded by the time a loaded CI machine takes, not by Heat: it completes within seconds here.
    assert wait_until(lambda: _status(cli, production_lab, "real")["master_status"] == "CREATE_COMPLETE", 300, 1.0)
    code, out, err = cli("outputs", "real", *_on(production_lab), "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert values[("master", "members")] == ["member-0", "member-1"], values

    code, out, err = cli(
        "stack", "create", "real-pw", "-t", MASTER_T, "-e", ENV, *_on(simple_lab), "--region", "RegionOne", "--wait"
    )
    assert code != 0 and "CREATE_FAILED" in out + err, out + err
    # Heat's reason, from its events (a failure that quick may come before --wait's first look at them).
    code, out, err = cli("events", "real-pw", *_on(simple_lab), "--region", "RegionOne")
    assert "Missing required credential" in out, out + err


def test_heat_turns_an_adopt_into_a_create_under_trusts_and_the_probe_says_so(production_lab, no_reauth_lab):
    from mrconsole.cloud.connection import connect
    from mrconsole.core.live.fleet import Fleet
    from mrconsole.core.master.adopt_probe import ADOPTS, CREATES, probe_adopt
    from mrconsole.lab.options import lab_options

    async def verdicts(where) -> dict[str, str]:
        fleet = Fleet(await connect(lab_options(str(where.dir))))
        try:
            return {r: (await probe_adopt(fleet, r)).verdict for r in ("RegionTwo",)}
        finally:
            fleet.close()

    assert asyncio.run(verdicts(production_lab)) == {"RegionTwo": CREATES}
    assert asyncio.run(verdicts(no_reauth_lab)) == {"RegionTwo": ADOPTS}


def _stack_names(cli, lab) -> dict[str, set[str]]:
    code, out, err = cli("status", *_on(lab), "--format", "json")
    return {
        r["name"]: {s["name"] for s in r["stacks"] if not s["name"].startswith("mrconsole-adopt-probe-")}
        for r in json.loads(out)["regions"]
    }


def test_a_move_under_trusts_is_refused_before_sending_and_makes_no_copy(production_lab, cli):
    code, out, err = cli(
        "stack", "create", "mv-trust", "-t", ROLLOUT_T, *_on(production_lab), "--region", "RegionOne", "--wait"
    )
    assert code == 0, err + out
    assert _status(cli, production_lab, "mv-trust")["mode"] == "live"  # kept in the cache: what a move needs
    before = _stack_names(cli, production_lab)

    code, out, err = cli("rehome", "mv-trust", *_on(production_lab), "--to", "RegionTwo", "--yes")
    assert code == 1, err + out
    assert "rehome refused before sending" in err and "turns an adopt into a create" in err, err
    assert "Instead:" in err

    # No copy anywhere: the same stacks in every region (the probe's own stack is deleted after).
    assert _stack_names(cli, production_lab) == before
    state = _status(cli, production_lab, "mv-trust")
    assert state["master_region"] == "RegionOne" and state["master_status"] == "CREATE_COMPLETE"
    refused = [j for j in Journal().entries(20, stack_name="mv-trust") if j.action == "rehome"]
    assert refused and refused[0].outcome == "refused", refused
    deadline = time.monotonic() + 30  # the probe stack goes (Heat deletes asynchronously)
    while time.monotonic() < deadline:
        code, out, err = cli("status", *_on(production_lab), "--region", "RegionTwo", "--format", "json")
        if not any(s["name"].startswith("mrconsole-adopt-probe-") for s in json.loads(out)["regions"][0]["stacks"]):
            break
        time.sleep(1)
    else:
        raise AssertionError("the adopt probe's stack was not deleted")


def test_copies_made_by_a_create_instead_of_an_adopt_are_named_and_removed_by_a_previewed_delete(
    production_lab, cli, monkeypatch
):
    """Should Heat create anyway (here the probe is skipped, as if it had said "adopts"), the move names every
    copy and offers their removal: the delete of the new master, whose preview lists it and exactly those
    copies; sent, it removes them, and the old master still owns the originals."""
    import re

    import mrconsole.core.master.rehome as rehome

    async def says_it_adopts(*args, **kwargs):
        return None

    monkeypatch.setattr(rehome, "refuse_unless_adopts", says_it_adopts)
    code, out, err = cli(
        "stack", "create", "mv-copy", "-t", ROLLOUT_T, *_on(production_lab), "--region", "RegionOne", "--wait"
    )
    assert code == 0, err + out
    originals = {c["resource"]: c["stack_id"] for c in _status(cli, production_lab, "mv-copy")["constituents"]}
    before = _stack_names(cli, production_lab)

    code, out, err = cli("move", "mv-copy", *_on(production_lab), "--to", "RegionTwo", "--yes")
    assert code == 1 and "was created, not adopted: it made 3 new stack(s)" in err, err + out
    copies = {m[0]: (m[1], m[2]) for m in re.findall(r"(web_\w+): (\S+) \(([0-9a-f-]{36})\) in Region", err)}
    assert set(copies) == set(originals) and not {i for _, i in copies.values()} & set(originals.values()), err
    offered = re.search(r"mrconsole stack delete (\S+) --region RegionTwo --preview", err)
    assert offered, err

    code, out, err = cli("stack", "delete", offered[1], *_on(production_lab), "--region", "RegionTwo", "--preview")
    assert code == 0 and "nothing was sent" in out, err + out
    assert all(name in out for name, _ in copies.values()), out
    kept = {c["stack_name"] for c in _status(cli, production_lab, "mv-copy")["constituents"]}
    assert "Heat deletes 4 stacks" in out and not any(name in out for name in kept), out
    code, out, err = cli(
        "stack", "delete", offered[1], *_on(production_lab), "--region", "RegionTwo", "--yes", "--wait"
    )
    assert code == 0, err + out
    state = _status(cli, production_lab, "mv-copy")
    assert state["master_region"] == "RegionOne" and state["master_status"] == "CREATE_COMPLETE", state
    assert {c["resource"]: c["stack_id"] for c in state["constituents"]} == originals
    assert all(c["status"] == "CREATE_COMPLETE" for c in state["constituents"]), state
    assert _stack_names(cli, production_lab) == before  # the copies are gone, nothing else


def test_without_reauthentication_a_move_adopts_and_the_moved_master_updates_every_constituent(no_reauth_lab, cli):
    """Trusts with Heat's default re-authentication (none): Heat adopts. The move abandons the old master,
    which deletes its trust (Heat's abandon); an update through the moved master then reaches every
    constituent in its region, the same stacks."""
    code, out, err = cli(
        "stack", "create", "mv-ok", "-t", ROLLOUT_T, *_on(no_reauth_lab), "--region", "RegionOne", "--wait"
    )
    assert code == 0, err + out
    before = {c["resource"]: c["stack_id"] for c in _status(cli, no_reauth_lab, "mv-ok")["constituents"]}

    code, out, err = cli("rehome", "mv-ok", *_on(no_reauth_lab), "--to", "RegionTwo", "--yes", "--format", "json")
    assert code == 0 and json.loads(out)["region"] == "RegionTwo", err + out
    code, out, err = cli(
        "stack", "update", "mv-ok", *_on(no_reauth_lab), "--region", "RegionTwo", "-P", "release=v2", "--yes", "--wait"
    )
    assert code == 0 and "UPDATE_COMPLETE" in out, err + out
    code, out, err = cli("outputs", "mv-ok", *_on(no_reauth_lab), "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert values[("master", "releases")] == {"web_one": "v2", "web_two": "v2", "web_three": "v2"}, values
    after = _status(cli, no_reauth_lab, "mv-ok")
    assert after["master_region"] == "RegionTwo"
    assert {c["resource"]: c["stack_id"] for c in after["constituents"]} == before  # adopted, not copied


def test_every_example_creates_through_its_master_with_its_groups_nested_templates_and_wait_condition(
    production_lab, cli
):
    """The examples hold what real masters hold (#34): multi-region's and rollout's constituents a
    ResourceGroup of a nested template, large's also a wait condition, which the lab's seed signals as
    the listener's VM would. Heat's own outputs say each member and the signal arrived."""
    from mrconsole.lab.seed import seed

    said: list[str] = []
    result = seed(production_lab.lab, name="ex-large", example="large", wait=True, progress=said.append)
    assert "CREATE_COMPLETE" in result, result
    assert any(s.startswith("signalled ready_handle in ex-large-load_balancer-") for s in said), said
    code, out, err = cli("outputs", "ex-large", *_on(production_lab), "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert json.loads(values[("load_balancer", "ready")]) == {"lab": "ready"}, values  # Heat's `data`: JSON
    assert values[("app_a", "nodes")] == ["10.30.0.0", "10.30.0.1"], values

    # The session lab's master was seeded from multi-region: its app tier's pool, one worker per replica.
    code, out, err = cli("outputs", "demo", *_on(production_lab), "--format", "json")
    values = {(o["source"], o["key"]): o["value"] for o in json.loads(out)["outputs"]}
    assert values[("app_stack", "app_workers")] == ["worker-0", "worker-1"], values
    code, out, err = cli(
        "stack", "create", "ex-rollout", "-t", ROLLOUT_T, *_on(production_lab), "--region", "RegionOne", "--wait"
    )
    assert code == 0, err + out
    code, out, err = cli("outputs", "ex-rollout", *_on(production_lab), "--format", "json")
    workers = {o["source"]: o["value"] for o in json.loads(out)["outputs"] if o["key"] == "workers"}
    assert workers == {w: ["web-worker-0"] for w in ("web_one", "web_two", "web_three")}, workers
