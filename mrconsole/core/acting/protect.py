"""Protected and read-only regions: a change to a stack in a protected region asks for the region's name
typed; in a read-only region it is refused before anything is sent.

A cloud or a region is marked `protected: true` in the config file (mrconsole/config.py), as k9s users
mark a production context. One rule for the console and the command line: a change lists the regions it
touches (the stack's, and for a change that a master passes on, every constituent's), and the protected
ones among them must be typed, comma-separated, before anything is sent. A region marked `read_only: true`
(or every region of a cloud so marked) is looked at and never changed from here: a change that reaches it,
directly or through a master that passes it on, is refused whole (read_only_refusal), and the final guard
(core/acting/permissions.py) refuses any request to it that would change a stack. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable


def touched(protected: frozenset[str], regions: Iterable[str | None]) -> tuple[str, ...]:
    """The protected regions among `regions`, in a stable order."""
    return tuple(sorted({r for r in regions if r and r in protected}))


def expected(regions: tuple[str, ...]) -> str:
    return ",".join(regions)


def prompt(regions: tuple[str, ...]) -> str:
    which = "a protected region" if len(regions) == 1 else "protected regions"
    return f"type {expected(regions)} ({which}) to confirm"


def refusal(regions: tuple[str, ...], typed: str, what: str) -> str:
    """Why `what` is refused (nothing sent) unless the protected regions were typed; "" when it may go."""
    if not regions or "".join((typed or "").split()) == expected(regions):
        return ""
    return (
        f"{what} changes stacks in {', '.join(regions)}, protected in the config: type "
        f"{expected(regions)} to confirm (--confirm-region {expected(regions)}); nothing was sent"
    )


def read_only_refusal(read_only: frozenset[str], regions: Iterable[str | None], what: str) -> str:
    """Why `what` is refused (nothing sent) because it reaches a read-only region; "" when it does not."""
    hit = touched(read_only, regions)
    if not hit:
        return ""
    where = hit[0] if len(hit) == 1 else ", ".join(hit)
    return (
        f"{what} changes stacks in {where}, read-only in the config (clouds.<cloud>.regions.<region>.read_only): "
        "nothing was sent; act from a config that allows it"
    )
