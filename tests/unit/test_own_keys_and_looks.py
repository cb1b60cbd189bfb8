"""The operator's own keys, words and looks (#37): checked before the console starts, one line each."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from mrconsole.config import ConfigError, Look, load
from mrconsole.tui import commands, keymap
from mrconsole.tui.app import MrConsoleApp


def _config(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text))
    path.chmod(0o600)
    return path


def test_a_remap_the_console_can_take_passes():
    keymap.check(MrConsoleApp, {"refresh": "ctrl+r,r", "events": "E", "help": "?"}, {"logs": "ctrl+l"})


def test_f5_for_refresh_is_refused_where_f5_starts_a_rollout_or_a_move():
    with pytest.raises(keymap.KeymapError) as info:
        keymap.check(MrConsoleApp, {"refresh": "f5"}, {})
    assert "both take 'f5' on the" in str(info.value)


@pytest.mark.parametrize(
    "keys, command_keys, said",
    [
        # events on r: the app's refresh keeps r, and the detail screen's reload takes it too.
        ({"events": "r"}, {}, "'refresh' and 'events' both take 'r'"),
        ({"act": "e"}, {}, "'act' and 'events' both take 'e' on the overview screen"),
        ({"refersh": "f5"}, {}, "keys.refersh: no binding has that id (did you mean refresh"),
        ({"refresh": " , "}, {}, "keys.refresh: no key given"),
        ({}, {"logs": "q"}, "commands.logs: key 'q' is the binding 'quit''s"),
        ({}, {"logs": "L"}, "commands.logs: key 'L' is the binding 'requests''s"),
        ({}, {"logs": "a"}, "commands.logs: key 'a' is the binding 'act''s"),
        # A key freed by a remap is free for a command, and the command may not take the new one.
        ({"requests": "ctrl+r"}, {"logs": "ctrl+r"}, "commands.logs: key 'ctrl+r' is the binding 'requests''s"),
    ],
)
def test_a_clash_or_a_wrong_id_is_one_line_naming_both(keys, command_keys, said):
    with pytest.raises(keymap.KeymapError) as info:
        keymap.check(MrConsoleApp, keys, command_keys)
    assert said in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_a_key_a_remap_frees_can_go_to_a_command():
    keymap.check(MrConsoleApp, {"requests": "ctrl+r"}, {"logs": "L"})


def test_the_designed_shadowing_is_no_clash():
    # The detail screen's r (reload) over the app's r (refresh) is the console's own design.
    keymap.check(MrConsoleApp, {}, {})


def test_keys_are_normalised_as_textual_matches_them():
    assert keymap.normalise("?, F5 ,ctrl+R,R") == ["question_mark", "f5", "ctrl+R", "R"]
    assert keymap.normalise("/") == ["slash"]


def test_aliases_expand_and_are_checked():
    aliases = {"failed": "events status:failed", "p1": ":region RegionOne", "w": "why"}
    commands.check_aliases(aliases)
    assert commands.expand(":failed", aliases) == "events status:failed"
    assert commands.expand("w web-1", aliases) == "why web-1"
    assert commands.expand("p1", aliases) == "region RegionOne"
    assert commands.expand("stacks", aliases) == "stacks"
    for bad, said in (
        ({"events": "journal"}, "aliases.events: :events is already :events [FILTER]'s"),
        ({"q": "journal"}, "aliases.q: :q is already :quit's"),
        ({"ev": "evnts"}, "aliases.ev: 'evnts' is no command (:evnts is unknown"),
        ({"two words": "journal"}, "an alias is one word"),
    ):
        with pytest.raises(commands.AliasError) as info:
            commands.check_aliases(bad)
        assert said in str(info.value), str(info.value)


def test_looks_per_cloud_and_region_and_wrong_ones_refused(tmp_path):
    conf = load(
        _config(
            tmp_path,
            """
            theme: textual-light
            aliases: {failed: events status:failed}
            clouds:
              prod:
                label: PROD
                colour: red
                regions:
                  RegionTwo: {label: prod-eu, color: "#00ff00"}
                  RegionThree: {label: prod-us}
            """,
        )
    )
    assert conf.theme == "textual-light" and conf.aliases == {"failed": "events status:failed"}
    assert conf.look("prod") == Look("PROD", "#FF0000")
    assert conf.look("prod", "RegionTwo") == Look("prod-eu", "#00FF00")
    assert conf.look("prod", "RegionThree") == Look("prod-us", "#FF0000")  # the cloud's colour
    assert conf.look("prod", "RegionOne") == Look("", "#FF0000")
    assert conf.look("other") == Look() and conf.look("other", "RegionOne") == Look()
    for text, said in (
        ("clouds: {prod: {colour: reddish}}", "clouds.prod.colour 'reddish' is not a colour"),
        ("clouds: {prod: {regions: {R1: {colour: 12}}}}", "clouds.prod.regions.R1.colour 12 is not a colour"),
        ("clouds: {prod: {label: ''}}", "clouds.prod.label must be a short line of text"),
        ("aliases: [a, b]", "'aliases' maps a word to a : command"),
        ("theme: [dark]", "'theme' is a theme's name"),
    ):
        with pytest.raises(ConfigError) as info:
            load(_config(tmp_path, text))
        assert said in str(info.value) and "\n" not in str(info.value), str(info.value)


@pytest.mark.parametrize(
    "text, said",
    [
        ("keys: {events: r}\n", "'refresh' and 'events' both take 'r'"),
        ("aliases: {journal: events}\n", "aliases.journal: :journal is already :journal's"),
        ("theme: solarised\n", "theme: no theme 'solarised'; one of:"),
    ],
)
def test_the_console_refuses_a_wrong_config_before_any_screen(tmp_path, text, said):
    path = _config(tmp_path, text)
    env = {**os.environ, "MRCONSOLE_CONFIG": str(path)}
    done = subprocess.run(
        [sys.executable, "-m", "mrconsole", "console", "--lab"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert said in done.stderr and str(path) in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_an_unknown_theme_on_the_command_line_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "mrconsole", "console", "--lab", "--theme", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--theme: no theme 'nope'" in done.stderr, done.stderr


def test_every_screen_module_with_bindings_is_checked():
    from pathlib import Path

    import mrconsole.tui.screens as screens

    with_bindings = {
        p.stem for p in Path(screens.__file__).parent.glob("*.py") if "BINDINGS" in p.read_text() and p.stem != "table"
    }
    assert with_bindings <= set(keymap.SCREEN_MODULES), with_bindings - set(keymap.SCREEN_MODULES)
