"""Shell completion (#35), driven in bash as the shell drives it: commands, options, and stack, master and
region names from the local topology cache, with no cloud configured (no request is possible)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mrconsole.state.topology_cache import CachedConstituent, CachedMaster, TopologyCache

DRIVER = r"""
source <(mrconsole completion bash)
ask() {
  COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$1"
  [[ "$1" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=()
  _python_argcomplete mrconsole
  echo "${COMPREPLY[*]}"
}
"""


def _complete(*lines: str, env_extra: dict | None = None) -> list[set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(env_extra or {})
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    script = DRIVER + "".join(f"ask {line!r}\n" for line in lines)
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=600
    )  # a hang, not a speed
    assert done.returncode == 0, done.stderr
    return [set(out.split()) for out in done.stdout.splitlines()]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_and_names_from_the_cache():
    TopologyCache().save(
        CachedMaster(
            "mrconsole-lab",
            "m-1",
            "shop",
            "RegionTwo",
            "CREATE_COMPLETE",
            0.0,
            [],
            [CachedConstituent("db", "RegionThree", "s-1", "shop-db-x1", "CREATE_COMPLETE", None, {}, {}, None)],
        )
    )
    commands, verbs, reads, shown, stacks, regions, masters, shells = _complete(
        "mrconsole sta",
        "mrconsole stack del",
        "mrconsole stack s",
        "mrconsole stack show shop-",
        "mrconsole stack delete sh",
        "mrconsole stack delete shop --region Reg",
        "mrconsole status --master ",
        "mrconsole completion ",
    )
    assert commands == {"status", "stack"}
    assert verbs == {"delete"}
    assert reads == {"show", "suspend"}
    assert shown == {"shop-db-x1"}
    assert stacks == {"shop", "shop-db-x1"}
    assert regions == {"RegionTwo", "RegionThree"}
    assert masters == {"shop"}
    assert {"bash", "zsh"} <= shells


def test_the_script_is_printed_for_each_shell(cli):
    for shell in ("bash", "zsh"):
        code, out, err = cli("completion", shell)
        assert code == 0 and "mrconsole" in out and "_python_argcomplete" in out, err
    code, out, err = cli("completion", "fish")
    assert code == 2 and "invalid choice" in err


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_options_before_the_command_as_openstack_takes_them_and_cloud_names(tmp_path):
    """`mrconsole --os-cloud prod stack sh<TAB>`: the options `openstack` takes before its command are read
    there (the cloud's name was taken for the command, and nothing was offered); `--os-cloud <TAB>` offers the
    clouds clouds.yaml names (no request)."""
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n"
        "  prod: {auth: {auth_url: 'https://prod.example.test:5000/v3'}}\n"
        "  staging: {auth: {auth_url: 'https://staging.example.test:5000/v3'}}\n"
    )
    verbs, names, lab_verbs, flagged = _complete(
        "mrconsole --os-cloud prod stack sh",
        "mrconsole --os-cloud ",
        "mrconsole --lab --region RegionOne stack del",
        "mrconsole --show-requests --timeout 5 sta",
        env_extra={"OS_CLIENT_CONFIG_FILE": str(clouds)},
    )
    assert verbs == {"show"}
    assert names == {"prod", "staging"}
    assert lab_verbs == {"delete"}
    assert flagged == {"status", "stack"}
