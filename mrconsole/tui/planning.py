"""A plan being made, said when it waits on Heat: the console's every plan (an action, a release, an import, a
rollout, a resource's mark or signal, a snapshot's restore, a create) goes through `planned`.

Kept apart from tui/acting.py so that screens may use it (acting imports the screens it asks with)."""

from __future__ import annotations

import asyncio

# A plan asks Heat before anything is asked of the operator (the stack, its master, every region the action
# reaches): a region frozen or cut off holds it for the cloud layer's whole deadline (14 s by default), the
# menu already closed or the button already pressed. Past this long the operator is told what it waits for.
SLOW_PLAN = 0.5


async def planned(app, subject: str, planning):
    """`planning` (a core plan being made) awaited; past SLOW_PLAN a notification says it is being asked of
    Heat and names the regions down now (a plan that asks one waits for its timeout), so a choice never seems
    to have done nothing (met in tmux: check on a master whose constituent's region was frozen, 10 s of an
    unchanged overview before the question). Cost: one timer per plan."""
    task = asyncio.ensure_future(planning)
    try:
        done, _ = await asyncio.wait({task}, timeout=SLOW_PLAN)
        if not done:
            down = app.connected().down_regions()
            waits = (
                "; down now: "
                + ", ".join(f"{r} ({why})" for r, why in sorted(down.items()))
                + ", a plan that asks it waits for its timeout; what that means is said before anything is sent"
                if down
                else ""
            )
            app.notify(f"{subject}: asking Heat first{waits}", timeout=8)
        return await task
    finally:
        task.cancel()  # nothing when it is done; a worker cancelled (the console closing) takes the plan along
