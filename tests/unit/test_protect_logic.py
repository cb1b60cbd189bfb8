"""Protected regions, the rule and the config (pure)."""

from __future__ import annotations

import pytest

from mrconsole.config import ConfigError, load
from mrconsole.core.acting import protect


def test_only_the_protected_regions_a_change_touches_are_asked_for():
    protected = frozenset({"RegionTwo", "RegionThree"})
    assert protect.touched(protected, ["RegionOne"]) == ()
    assert protect.touched(protected, ["RegionOne", "RegionThree", None, "RegionTwo", "RegionTwo"]) == (
        "RegionThree",
        "RegionTwo",
    )
    regions = ("RegionThree", "RegionTwo")
    assert protect.refusal(regions, "RegionThree, RegionTwo", "update of m") == ""
    said = protect.refusal(regions, "RegionTwo", "update of m")
    assert "RegionThree, RegionTwo" in said and "--confirm-region RegionThree,RegionTwo" in said
    assert "nothing was sent" in said
    assert protect.refusal((), "", "check") == ""


def test_the_config_protects_a_cloud_or_a_region_and_says_which_entry_is_wrong(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("clouds:\n  prod:\n    protected: true\n  stage:\n    regions:\n      R2: {protected: true}\n")
    conf = load(path)
    assert conf.protected("prod", ["R1", "R2"]) == {"R1", "R2"}
    assert conf.protected("stage", ["R1", "R2"]) == {"R2"}
    assert conf.protected("other", ["R1"]) == frozenset()
    for text, entry in (
        ("clouds:\n  prod:\n    protected: yes-please\n", "clouds.prod.protected"),
        ("clouds:\n  prod:\n    regions: [R1]\n", "clouds.prod.regions"),
        ("clouds:\n  prod:\n    regions:\n      R1: true\n", "clouds.prod.regions.R1"),
        ("clouds:\n  prod: [1]\n", "clouds.prod"),
    ):
        path.write_text(text)
        with pytest.raises(ConfigError) as info:
            load(path)
        assert entry in str(info.value) and "\n" not in str(info.value)


def test_a_read_only_region_refuses_a_change_that_reaches_it_and_the_config_says_which(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("clouds:\n  prod:\n    read_only: true\n  stage:\n    regions:\n      R2: {read_only: true}\n")
    conf = load(path)
    assert conf.read_only_regions("prod", ["R1", "R2"]) == {"R1", "R2"}
    assert conf.read_only_regions("stage", ["R1", "R2"]) == {"R2"}
    assert conf.protected("stage", ["R1", "R2"]) == frozenset()  # read-only is not protected, nor the reverse
    said = protect.read_only_refusal(frozenset({"R2"}), ["R1", None, "R2"], "update of m")
    assert said.startswith("update of m changes stacks in R2, read-only in the config") and "nothing was sent" in said
    assert protect.read_only_refusal(frozenset({"R2"}), ["R1"], "update of m") == ""
    path.write_text("clouds:\n  stage:\n    regions:\n      R2: {read_only: maybe}\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert "clouds.stage.regions.R2.read_only must be true or false" in str(info.value)


def test_user_commands_are_checked_and_said_in_one_line():
    from mrconsole.core.acting.user_commands import CommandConfigError, Subject, UserCommand, parse, refusal

    ok = parse([{"name": "logs", "key": "L", "command": "echo $MRCONSOLE_STACK"}, {"name": "r", "scope": "region",
                "command": "true", "output": "terminal"}])  # fmt: skip
    assert ok[0].scope == "stack" and ok[1].output == "terminal"
    for entries, said in (
        ([{"name": "a"}], "commands[0] (a) needs a command line"),
        ([{"name": "a", "command": "x", "scope": "cloud"}], "scope must be one of stack, resource, region"),
        ([{"name": "a", "command": "x", "key": "L"}, {"name": "b", "command": "y", "key": "L"}], "also a's"),
        ([{"name": "a", "command": "x", "dangerous": "yes"}], "dangerous must be true or false"),
        ([{"name": "a", "command": "x", "shell": "zsh"}], "unknown setting 'shell'"),
        ([{"command": "x"}], "commands[0] needs a name"),
        ({"name": "a"}, "'commands' is a list"),
        ([{"name": "a", "command": "echo $STACK_ID"}], "$STACK_ID is now $MRCONSOLE_STACK_ID (yours stay yours)"),
        ([{"name": "a", "command": "echo ${REGION}"}], "$REGION is now $MRCONSOLE_REGION"),
        ([{"name": "a", "command": "x", "env": "OS_PASSWORD"}], "env is a list of variable names"),
    ):
        with pytest.raises(CommandConfigError) as info:
            parse(entries, "config.yaml")
        assert said in str(info.value) and "\n" not in str(info.value), str(info.value)

    danger = UserCommand("wipe", "rm -rf x", dangerous=True)
    subject = Subject("c", "R1", "web", "id-1")
    assert "read-only" in refusal(danger, subject, read_only=True)
    assert refusal(danger, subject, read_only=False) == ""
    assert "resource" in refusal(UserCommand("r", "x", scope="resource"), subject, read_only=False)


async def test_a_user_command_gets_its_values_as_environment_not_as_text():
    from mrconsole.core.acting.user_commands import Subject, UserCommand, run_captured

    # A stack name with shell syntax stays a value: nothing in it runs.
    subject = Subject("c", "R1", "web; echo INJECTED", "id-1")
    code, out = await run_captured(UserCommand("show", 'printf "%s" "$MRCONSOLE_STACK"'), subject)
    assert code == 0 and out == "web; echo INJECTED"
    code, out = await run_captured(UserCommand("slow", "sleep 5"), subject, timeout=0.2)
    assert code is None and "did not end" in out


async def test_a_command_gets_what_finds_the_cloud_never_a_password_unless_named(monkeypatch):
    from mrconsole.core.acting.user_commands import Subject, UserCommand, run_captured

    monkeypatch.setenv("OS_PASSWORD", "Zebra-4711")
    monkeypatch.setenv("OS_CLOUD", "prod")
    monkeypatch.setenv("REGION", "my-own")
    subject = Subject("c", "R1", "web", "id-1")
    show = 'printf "%s|%s|%s|%s" "$OS_PASSWORD" "$OS_CLOUD" "$REGION" "$MRCONSOLE_REGION"'
    code, out = await run_captured(UserCommand("show", show), subject)
    assert (code, out) == (0, "|prod||R1")  # the allow-list: no password, none of the operator's others
    code, out = await run_captured(UserCommand("show", show, env=("OS_PASSWORD", "REGION")), subject)
    assert (code, out) == (0, "Zebra-4711|prod|my-own|R1")


async def test_a_gate_that_outlives_its_timeout_is_killed_with_its_children(tmp_path):
    """The gate runs in its own process group: a child it started (here a sleep writing a file when it
    ends) does not survive the gate's timeout."""
    import asyncio

    from mrconsole.core.rollout.gate import run_command

    late = tmp_path / "late"
    ok, lines = await run_command(["sh", "-c", f"(sleep 0.5; touch {late}) & sleep 30"], {}, "", timeout=0.2)
    assert not ok and "killed" in lines[-1]
    await asyncio.sleep(0.8)  # past the child's 0.5 s: it would have written by now
    assert not late.exists()
