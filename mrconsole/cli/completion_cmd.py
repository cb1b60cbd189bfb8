"""Shell completion (bash, zsh): commands, options, and stack, master and region names from the local
topology cache, with no request, so it works during an outage. `mrconsole completion bash` prints the
script; argcomplete answers the shell's questions (imported only then: every other start stays as fast).
"""

from __future__ import annotations

import argparse
import os
import shlex

from mrconsole.cli.cloudargs import add_global_arguments
from mrconsole.cli.commands import BY_NAME, about

# Where a command takes a stack's name, a master's, or a region's.
STACK_DESTS = {"stack", "name", "names", "stacks"}
MASTER_DESTS = {"master"}
REGION_DESTS = {"regions", "region", "to_region", "to"}
CLOUD_DESTS = {"os_cloud"}


def add_parser(sub) -> None:
    p = sub.add_parser(
        "completion",
        **about("completion"),
        description="Print the completion script for your shell, then load it: "
        "`source <(mrconsole completion bash)` (add it to ~/.bashrc), or for zsh "
        "`source <(mrconsole completion zsh)` in ~/.zshrc. Stack, master and region names come from "
        "the local topology cache: no request is made while you type.",
    )
    p.add_argument("shell", choices=("bash", "zsh"))
    p.set_defaults(func=cmd_completion)


def cmd_completion(args) -> int:
    import argcomplete  # lazy: only completion needs it

    print(argcomplete.shellcode(["mrconsole"], shell=args.shell))
    return 0


def _known() -> tuple[set[str], set[str], set[str]]:
    # lazy: the cache's module brings the cloud layer; only a TAB on a name reads it
    from mrconsole.core.connect import TopologyCache, default_cache_path

    if not default_cache_path().exists():  # never create state just because someone pressed tab
        return set(), set(), set()
    try:
        return TopologyCache().known_names()
    except Exception:  # noqa: BLE001 - a damaged cache must not break the shell's completion: offer nothing
        return set(), set(), set()


def _stacks(prefix, **kwargs):
    return sorted(n for n in _known()[1] if n.startswith(prefix))


def _masters(prefix, **kwargs):
    return sorted(n for n in _known()[0] if n.startswith(prefix))


def _regions(prefix, **kwargs):
    return sorted(n for n in _known()[2] if n.startswith(prefix))


def _clouds(prefix, **kwargs):
    from mrconsole.core.connect import cloud_names  # lazy: the cloud layer, only for this TAB

    return [n for n in cloud_names() if n.startswith(prefix)]


def _attach(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:  # argparse keeps them here, and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _attach(child)
        elif action.dest in CLOUD_DESTS:
            action.completer = _clouds  # type: ignore[attr-defined]
        elif action.dest in MASTER_DESTS:
            action.completer = _masters  # type: ignore[attr-defined]
        elif action.dest in REGION_DESTS:
            action.completer = _regions  # type: ignore[attr-defined]
        elif action.dest in STACK_DESTS:
            action.completer = _stacks  # type: ignore[attr-defined]


def asked() -> bool:
    """Whether the shell is asking for completions (argcomplete's environment)."""
    return "_ARGCOMPLETE" in os.environ


def command_asked() -> str:
    """The command in the line being completed (its first word that names one), or "": only that command's
    parser is built to answer (cli/main.py build_parser)."""
    line = os.environ.get("COMP_LINE", "")[: int(os.environ.get("COMP_POINT") or 1 << 20)]
    try:
        words = shlex.split(line)
    except ValueError:  # an open quote: the words so far
        words = line.split()
    return next((w for w in words[1:] if w in BY_NAME), "")


def complete_if_asked(parser: argparse.ArgumentParser) -> None:
    """When the shell asks (argcomplete's environment), answer and exit; otherwise return at once."""
    if not asked():
        return
    import argcomplete

    add_global_arguments(parser)  # what may come before the command, as `openstack` takes it
    _attach(parser)
    argcomplete.autocomplete(parser)
