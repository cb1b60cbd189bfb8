"""The `openstack` commands behind an action (core/acting/by_hand.py), each parsed by python-heatclient's own
command (found by its words, as `openstack` finds it): what the console says an operator could type is
something `openstack` accepts, meaning the same request."""

from __future__ import annotations

import json
import shlex
from importlib.metadata import entry_points

import pytest

from mrconsole.core.acting.action_table import MENU
from mrconsole.core.acting.by_hand import rollout_by_hand, rollout_files, stack_by_hand

COMMANDS = {e.name: e for e in entry_points(group="openstack.orchestration.v1")}


def parsed(line: str):
    """The line split as a shell would, its global options checked, then parsed by heatclient's command."""
    words = shlex.split(line)
    assert words[:5] == ["openstack", "--os-cloud", "prod cloud", "--os-region-name", "RegionTwo"], words
    rest = words[5:]
    # The longest run of leading words that names a command (`stack hook clear` before `stack hook`).
    for n in range(len(rest), 0, -1):
        name = "_".join(rest[:n])
        if name in COMMANDS:
            command = COMMANDS[name].load()(None, None)
            return name, command.get_parser(f"openstack {' '.join(rest[:n])}").parse_args(rest[n:])
    raise AssertionError(f"no openstack command for {rest}")


@pytest.mark.parametrize("action", [str(a) for a in MENU])
def test_every_menu_action_has_one_command_heat_s_cli_accepts_on_the_stack(action):
    [line] = stack_by_hand("prod cloud", action, "RegionTwo", "web; rm -rf /", {"count": "3"}, ())
    name, args = parsed(line)
    # One word, whatever the name holds (the stack actions and delete take several stacks: this one alone).
    assert args.stack in ("web; rm -rf /", ["web; rm -rf /"])
    expected = {
        "check": "stack_check",
        "suspend": "stack_suspend",
        "resume": "stack_resume",
        "update": "stack_update",
        "reapply": "stack_update",
        "cancel_update": "stack_cancel",
        "cancel_without_rollback": "stack_cancel",
        "delete": "stack_delete",
    }[action]
    assert name == expected
    if name == "stack_update":
        assert args.existing and args.template is None  # a PATCH: only what is given changes
        assert args.parameter == (["count=3"] if action == "update" else None)
    if name == "stack_cancel":
        assert args.no_rollback == (action == "cancel_without_rollback")
    if name == "stack_delete":
        assert args.yes


def test_a_hidden_value_is_a_placeholder_and_a_new_template_is_a_full_update():
    [line] = stack_by_hand(
        "prod cloud", "update", "RegionTwo", "db", {"db_password": "s3cret", "size": "a b"}, {"db_password"},
        template="db v2.yaml", environments=["env.yaml"],
    )  # fmt: skip
    assert "s3cret" not in line
    _, args = parsed(line)
    assert args.parameter == ["db_password=<db_password>", "size=a b"]
    assert args.template == "db v2.yaml" and args.environment == ["env.yaml"] and not args.existing


def test_a_rollout_by_hand_is_the_held_patch_a_hook_clear_per_later_wave_then_the_release(tmp_path):
    waves = [("web_one",), ("web_two", "web_three")]
    lines = rollout_by_hand("prod cloud", "RegionTwo", "web", waves, {"release": "v2"})
    steps = [parsed(line) for line in lines]
    assert [n for n, _ in steps] == ["stack_update", "stack_hook_clear", "stack_update"]
    held, clear, release = (a for _, a in steps)
    assert held.existing and held.environment == ["hold.yaml"] and held.parameter == ["release=v2"]
    assert clear.pre_update and clear.stack == "web" and clear.hook == ["web_two", "web_three"]
    assert release.existing and release.environment == ["release.yaml"] and release.parameter is None
    files = rollout_files(waves)
    assert files["hold.yaml"]["resource_registry"]["resources"] == {
        "web_two": {"hooks": "pre-update"},
        "web_three": {"hooks": "pre-update"},
    }
    assert files["release.yaml"]["resource_registry"]["resources"] == {
        r: {"hooks": []} for r in ("web_one", "web_two", "web_three")
    }
    # heatclient, as `openstack stack update -e` uses it, reads the file without failing (a null entry fails).
    from heatclient.common import template_utils

    for name, content in files.items():
        path = tmp_path / name
        path.write_text(json.dumps(content))
        _, env = template_utils.process_multiple_environments_and_files([str(path)])
        assert env == content
