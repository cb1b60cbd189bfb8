"""`until_name_free` (core/master/topology.py): a deleted stack's name is free when a lookup by name stops
finding that stack; Heat's own behaviour is pinned on the lab (tests/lab/test_actions.py)."""

from __future__ import annotations

import asyncio

from mrconsole.core.master.topology import until_name_free
from mrconsole.models import Stack, StackDetail


class Lookups:
    """A region whose lookups by name answer in turn what it was given (None: not found)."""

    def __init__(self, *answers: str | None):
        self.answers = list(answers)
        self.asked = 0

    async def find_stack(self, name, outputs=True):
        self.asked += 1
        ident = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if ident is None:
            return None
        return StackDetail(Stack(region="R", id=ident, name=name, status="DELETE_COMPLETE"))


def test_free_once_the_name_finds_nothing():
    region = Lookups("s-1", "s-1", None)
    assert asyncio.run(until_name_free(region, "web", "s-1", limit=5, poll=0)) is True
    assert region.asked == 3


def test_a_stack_of_that_name_made_since_is_anothers():
    region = Lookups("s-2")
    assert asyncio.run(until_name_free(region, "web", "s-1", limit=5, poll=0)) is True
    assert region.asked == 1


def test_held_past_the_limit_is_not_free():
    region = Lookups("s-1")
    assert asyncio.run(until_name_free(region, "web", "s-1", limit=0.05, poll=0.01)) is False
    assert region.asked >= 2
