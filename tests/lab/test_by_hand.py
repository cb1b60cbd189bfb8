"""The commands behind an action (#37, core/acting/by_hand.py), run by hand: what `--preview` says an operator
could type, run with the real `openstack` (python-openstackclient, the lab's clouds.yaml), does to a twin stack
what the console's action did to its own; and the request log lists the request the lab's access log recorded.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE = {
    "heat_template_version": "2021-04-16",
    "parameters": {"size": {"type": "string", "default": "1"}, "flavour": {"type": "string", "default": "plain"}},
    "resources": {
        "v": {
            "type": "OS::Heat::Value",
            "properties": {"value": {"list_join": ["-", [{"get_param": "size"}, {"get_param": "flavour"}]]}},
        }
    },
    "outputs": {"v": {"value": {"get_attr": ["v", "value"]}}},
}


def _openstack(lab, line: str) -> subprocess.CompletedProcess:
    """A line `--preview` printed, run as the operator would paste it into a shell (the lab's clouds.yaml)."""
    words = shlex.split(line)
    assert words[0] == "openstack", line
    openstack = str(Path(sys.executable).with_name("openstack"))
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml)}
    return subprocess.run([openstack, *words[1:]], capture_output=True, text=True, timeout=120, env=env)


def _stack(cli, name: str) -> dict:
    """Its status (the region's list) and its output `v` (size-flavour: what its parameters are)."""
    code, out, err = cli("status", "--lab", "--region", "RegionOne", "--format", "json")
    assert code == 0, err
    [shown] = [s for s in json.loads(out)["regions"][0]["stacks"] if s["name"] == name]
    code, out, err = cli("outputs", name, "--lab", "--region", "RegionOne", "--format", "json")
    values = {o["key"]: o["value"] for o in json.loads(out).get("outputs", [])} if code == 0 else {}
    return {"status": shown["status"], "v": values.get("v")}


def _until_done(cli, name: str, limit: float = 60.0) -> dict:
    deadline = time.monotonic() + limit
    while True:
        shown = _stack(cli, name)
        if not shown["status"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def test_an_update_and_a_suspend_by_hand_do_what_the_console_did(lab, cli, tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text(json.dumps(TEMPLATE))
    for name in ("byh-console", "byh-hand"):
        code, out, err = cli("stack", "create", name, "-t", str(template), "--lab", "--region", "RegionOne", "--wait")
        assert code == 0, err + out

    # The update: the console's PATCH, and the command its preview names, run on the twin.
    update = ("stack", "update", "byh-console", "--lab", "--region", "RegionOne", "-P", "size=3")
    code, out, err = cli(*update, "--preview", "--format", "json")
    assert code == 0, err
    [line] = json.loads(out)["by_hand"]
    assert line.endswith(" byh-console") and "--parameter size=3" in line, line
    log = lab.dir / "RegionOne" / "access.log"
    mark = log.stat().st_size
    code, out, err = cli(*update, "--wait", "--show-requests")
    assert code == 0, err
    # The request log's PATCH is the one the lab's Heat recorded.
    patches = [w for w in err.split("\n") if " PATCH /v1/PROJECT/stacks/byh-console" in w]
    recorded = [r for r in log.read_text()[mark:].splitlines() if " PATCH " in r and "/stacks/byh-console" in r]
    assert len(patches) == 1 == len(recorded) and " 202 " in patches[0], (patches, recorded)
    assert recorded[0].split()[2].endswith(patches[0].split(" PATCH ")[1].split()[0].removeprefix("/v1/PROJECT"))

    done = _openstack(lab, line.removesuffix("byh-console") + "byh-hand")
    assert done.returncode == 0, done.stderr
    hand, console = _until_done(cli, "byh-hand"), _stack(cli, "byh-console")
    assert hand == console == {"status": "UPDATE_COMPLETE", "v": "3-plain"}, (hand, console)  # a PATCH: the rest stays

    # A stack action (suspend), the same way.
    code, out, err = cli(
        "stack", "suspend", "byh-console", "--lab", "--region", "RegionOne", "--preview", "--format", "json"
    )
    assert code == 0, err
    [line] = json.loads(out)["by_hand"]
    code, out, err = cli("stack", "suspend", "byh-console", "--lab", "--region", "RegionOne", "--yes", "--wait")
    assert code == 0, err
    done = _openstack(lab, line.removesuffix("byh-console") + "byh-hand")
    assert done.returncode == 0, done.stderr
    assert _until_done(cli, "byh-hand")["status"] == _stack(cli, "byh-console")["status"] == "SUSPEND_COMPLETE"

    for name in ("byh-console", "byh-hand"):
        code, out, err = cli("stack", "delete", name, "--lab", "--region", "RegionOne", "--yes", "--wait")
        assert code == 0, err


def _cwd_openstack(lab, line: str, cwd: Path) -> subprocess.CompletedProcess:
    """`_openstack` from `cwd` (where the rollout's hold.yaml and release.yaml were written)."""
    words = shlex.split(line)
    assert words[0] == "openstack", line
    openstack = str(Path(sys.executable).with_name("openstack"))
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(lab.clouds_yaml)}
    return subprocess.run([openstack, *words[1:]], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def _wait(predicate, limit: float = 120.0, every: float = 1.0):
    """`predicate()` until it returns something true, or its last answer after `limit` seconds."""
    deadline = time.monotonic() + limit
    while True:
        got = predicate()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(every)


def test_a_rollout_by_hand_does_what_the_consoles_rollout_does(lab, cli, tmp_path):
    """The sequence `rollout --preview` prints, typed wave by wave with `openstack`: the canary's region
    changes first while the later waves wait at their breakpoints, each hook clear lets one wave go, and the
    release leaves what the console's rollout leaves (tests/lab/test_rollout.py pins that: the change in every
    region, no breakpoint in any environment, the master UPDATE_COMPLETE)."""
    from tests.lab.test_rollout import RESOURCES, _hooks_in, _seed, read

    _seed(lab, "byh-roll")
    code, out, err = cli(
        "rollout", "byh-roll", "--lab", "--region", "RegionOne", "-P", "release=v2", "--preview", "--format", "json"
    )
    assert code == 0, err
    preview = json.loads(out)
    assert [w["constituents"] for w in preview["waves"]] == [[r] for r in RESOURCES]
    held, *clears, release = preview["by_hand"]
    assert len(clears) == 2 and all(" stack hook clear --pre-update byh-roll " in c for c in clears), clears
    for name, content in preview["by_hand_files"].items():
        (tmp_path / name).write_text(json.dumps(content))

    def releases():
        return {r: c["release"] for r, c in read(lab, "byh-roll")["constituents"].items()}

    done = _cwd_openstack(lab, held, tmp_path)
    assert done.returncode == 0, done.stderr
    # The canary's wave goes; the others wait at their breakpoints, still on v1.
    assert _wait(lambda: releases()["web_one"] == "v2")
    assert releases() == {"web_one": "v2", "web_two": "v1", "web_three": "v1"}
    for clear, wave in zip(clears, ("web_two", "web_three"), strict=True):
        assert clear.endswith(f" {wave}"), clear
        done = _cwd_openstack(lab, clear, tmp_path)
        assert done.returncode == 0, done.stderr
        assert _wait(lambda wave=wave: releases()[wave] == "v2"), (wave, releases())
    assert _wait(lambda: read(lab, "byh-roll")["master"].status == "UPDATE_COMPLETE")
    done = _cwd_openstack(lab, release, tmp_path)
    assert done.returncode == 0, done.stderr
    after = _wait(lambda: (s := read(lab, "byh-roll"))["master"].status == "UPDATE_COMPLETE" and s, 120)
    assert after, "the release's update did not complete"
    assert {r: c["release"] for r, c in after["constituents"].items()} == dict.fromkeys(RESOURCES, "v2")
    assert _hooks_in(after["master_env"]) == {}
    assert all(_hooks_in(c["env"]) == {} for c in after["constituents"].values())
    code, _, err = cli("stack", "delete", "byh-roll", "--lab", "--region", "RegionOne", "--yes", "--wait")
    assert code == 0, err


def test_a_direct_action_in_outage_mode_by_hand_does_what_the_console_did(lab, cli):
    """The master's region stopped: a suspend of a constituent is sent straight to its own region. The
    command the preview names for it (its region, not the master's) suspends a twin constituent as the
    console's action suspended its own."""
    from tests.lab.test_rollout import _seed, read

    _seed(lab, "byh-out")
    stacks = {c["region"]: (r, c) for r, c in read(lab, "byh-out")["constituents"].items()}
    names = {}
    for region in ("RegionTwo", "RegionThree"):
        code, out, err = cli("status", "--lab", "--region", region, "--format", "json")
        assert code == 0, err
        [names[region]] = [s["name"] for s in json.loads(out)["regions"][0]["stacks"] if "byh-out" in s["name"]]
    assert set(stacks) >= {"RegionTwo", "RegionThree"}

    def status(region: str) -> str:
        code, out, err = cli("status", "--lab", "--region", region, "--format", "json")
        assert code == 0, err
        return next(s["status"] for s in json.loads(out)["regions"][0]["stacks"] if s["name"] == names[region])

    with lab.fault("RegionOne", "stop"):
        lines = {}
        for region in ("RegionTwo", "RegionThree"):
            code, out, err = cli(
                "stack", "suspend", names[region], "--lab", "--region", region, "--request-timeout", "2",
                "--preview", "--format", "json",
            )  # fmt: skip
            assert code == 0, err + out
            [lines[region]] = json.loads(out)["by_hand"]
            assert f"--os-region-name {region} stack suspend {names[region]}" in lines[region], lines[region]
            assert "RegionOne" not in lines[region] and "byh-out " not in lines[region] + " "
        code, out, err = cli(
            "stack", "suspend", names["RegionTwo"], "--lab", "--region", "RegionTwo", "--request-timeout", "2",
            "--yes", "--wait",
        )  # fmt: skip
        assert code == 0, err + out
        done = _openstack(lab, lines["RegionThree"])
        assert done.returncode == 0, done.stderr
        assert _wait(lambda: status("RegionThree") == "SUSPEND_COMPLETE", 60)
        assert status("RegionTwo") == "SUSPEND_COMPLETE"
    for region in ("RegionTwo", "RegionThree"):
        # RegionOne is back: the console asks to go through the master; these two are put back one by one.
        code, _, err = cli(
            "stack", "resume", names[region], "--lab", "--region", region, "--direct", "--yes", "--wait"
        )  # fmt: skip
        assert code == 0, err
    code, _, err = cli("stack", "delete", "byh-out", "--lab", "--region", "RegionOne", "--yes", "--wait")
    assert code == 0, err
