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
