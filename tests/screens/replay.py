"""Screens fed from core data captured on the real lab (tests/screens/capture.py).

A scene is the console session's state at one moment, as JSON: the regions'
stacks and health, the master's view, the event timeline, and what the
detail, why, drift and journal screens read. `ReplaySession` holds a scene
and answers the app as a live ConsoleSession would, with no network and no
loops, so a snapshot shows exactly the captured data.

The codec turns the core's dataclasses into JSON and back (only classes
from mrconsole are ever rebuilt).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

from mrconsole.core.live.codec import decode, encode
from mrconsole.core.live.events import Timeline
from mrconsole.core.live.session import ConsoleSession, RegionView, auth_error_in, down_in, owner_by_name
from mrconsole.core.live.view import Session
from mrconsole.tui.app import MrConsoleApp

DATA = Path(__file__).parent / "data"


def save(path: Path, scene: dict) -> None:
    path.write_text(json.dumps(encode(scene), indent=1, sort_keys=False) + "\n")


def load(name: str) -> dict:
    return decode(json.loads((DATA / f"{name}.json").read_text()))


# -- capturing a live session -----------------------------------------------------
def scene_of(session: ConsoleSession, now: float, **reads) -> dict:
    """The state a screen shows, taken from a running ConsoleSession."""
    return {
        "now": now,
        "cloud": session.cloud_name,
        "region_names": list(session.fleet.region_names),
        "regions": [dataclasses.replace(v) for v in session.regions.values()],
        "health": session.health(),
        "master": dataclasses.replace(session.master, analysis=None) if session.master else None,
        "events": session.stream.timeline.events(),
        "stats": session.stream.stats(),
        **reads,
    }


# -- replaying one ----------------------------------------------------------------
class ReplaySession:
    """A ConsoleSession's state and reads, from a scene; nothing runs. It implements the core's
    `Session` (mypy checks it: `_VIEW` below): what the screens see, and what tui/acting.py acts with."""

    def __init__(self, scene: dict):
        self.scene = scene
        self.regions: dict[str, RegionView] = {v.region: v for v in scene["regions"]}
        for view in self.regions.values():
            view._ordered = None
        self.master = scene["master"]
        self.cache_error = ""
        self.protected = frozenset(scene.get("protected", ()))
        self.read_only_regions = frozenset(scene.get("read_only_regions", ()))
        self.identity = scene.get("identity")  # a scene captured under another login says who
        self._timeline = Timeline()
        self._timeline.add(list(scene["events"]))
        self._names = Counter(s.name for v in self.regions.values() for s in v.by_id.values())

    # -- what is known now ----------------------------------------------------------
    @property
    def cloud_name(self) -> str:
        return self.scene["cloud"]

    @property
    def region_names(self) -> list[str]:
        return self.scene["region_names"]

    @property
    def auth_error(self) -> str:
        return auth_error_in(self.regions)

    def health(self):
        return self.scene["health"]

    def down_regions(self) -> dict[str, str]:
        return down_in(self.health())

    def region_down(self, region: str) -> str:
        return self.down_regions().get(region, "")

    @property
    def notices(self) -> list[str]:
        return list(self.scene.get("notices", []))

    def refused(self, region: str, requests) -> tuple[dict[str, str], list[str]]:
        """What the captured login's role may not do (a scene's `refused`: {region: {request: why}})."""
        known = self.scene.get("refused", {}).get(region, {})
        return {r: known[r] for r in requests if r in known}, []

    async def ask_refused(self, region: str, requests) -> dict[str, str]:
        return self.refused(region, requests)[0]

    def stack(self, region, stack_id):
        view = self.regions.get(region)
        return view.by_id.get(stack_id) if view else None

    def find(self, name_or_id):
        return next((s for v in self.regions.values() for s in v.stacks if name_or_id in (s.name, s.id)), None)

    def owner_of(self, region, stack):
        return owner_by_name(self.master, self._names, stack)

    def events(self):
        return self._timeline.events()

    def stream_stats(self) -> dict:
        return self.scene["stats"]

    # -- lifecycle: nothing runs ----------------------------------------------------
    def subscribe(self, callback) -> None:
        pass

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def refresh_now(self) -> None:
        pass

    def look_at(self, region: str, stack_id: str) -> None:
        pass  # nothing runs in a replay

    def look_away(self, region: str, stack_id: str) -> None:
        pass

    def actions(self, read_only: bool):
        return _NoActions()

    # -- the reads a scene captured -------------------------------------------------
    async def describe(self, region, stack_id):
        return self.scene["describe"][stack_id]

    async def why(self, region, stack_id):
        return self.scene["why"][stack_id]

    async def drift(self, master):
        return self.scene["drift"][master]

    async def journal(self, limit=200):
        return self.scene["journal"][:limit]

    async def preview_update(self, stack, parameters):
        raise AssertionError("a replayed screen asked for a preview: scenes hold no Heat")

    async def plan_action(self, action, region, stack, read_only):
        raise AssertionError("a replayed screen planned an action: scenes hold no Heat")

    async def plan_create(self, name, regions, template, env_files, parameters, *, timeout_mins, read_only, probe):
        raise AssertionError("a replayed screen planned a create: scenes hold no Heat")

    async def preview_create(self, plan):
        raise AssertionError("a replayed screen asked for a preview: scenes hold no Heat")

    async def export_timeline(self, since_seconds: float = 7200.0):
        raise AssertionError("a replayed screen wrote a timeline: scenes hold no Heat")

    async def plan_rollout(self, master, parameters, waves, soak, read_only):
        raise AssertionError("a replayed screen planned a rollout: scenes hold no Heat")

    async def rollout_state(self, master):
        return self.scene["rollout_state"][master.id]

    async def journaled_plan(self, master):
        raise AssertionError("a replayed screen read the journal's rollout plan")

    async def operations(self, master):
        return self.scene["operations"][master.id]

    def rollout_run(self, topo, waves, gate, read_only, on_step=None):
        raise AssertionError("a replayed screen drove a rollout: scenes hold no Heat")

    async def breakpoints(self, master):
        return self.scene["breakpoints"][master.id]

    async def release_breakpoint(self, point, read_only):
        raise AssertionError("a replayed screen released a breakpoint: scenes hold no Heat")

    async def masters_found(self):
        from mrconsole.core.master.masters import masters_found

        return masters_found([s for v in self.regions.values() for s in v.by_id.values()])

    async def outputs(self, stack):
        return self.scene["outputs"][stack.id]

    async def resources_across(self, stack, nested_depth=0):
        return self.scene["resources"][stack.id]

    async def resource_detail(self, region, stack, resource):
        return self.scene["resource_detail"][(stack, resource)]

    async def plan_resource(self, action, region, stack, resource, read_only):
        raise AssertionError("a replayed screen planned a resource action: scenes hold no Heat")

    async def mark_unhealthy(self, plan, typed, reason, read_only):
        raise AssertionError("a replayed screen marked a resource: scenes hold no Heat")

    async def signal(self, plan, data, read_only):
        raise AssertionError("a replayed screen signalled a resource: scenes hold no Heat")

    def follow_master(self, name, region=None):
        raise AssertionError("a replayed screen followed another master: scenes hold no Heat")

    async def plan_rehome(self, name, to_region, new_name, parameters, read_only):
        return self.scene["rehome_plan"][name]

    async def rehome(self, plan, read_only):
        raise AssertionError("a replayed screen moved a master: scenes hold no Heat")

    async def plan_release(self, name, resource, read_only):
        raise AssertionError("a replayed screen planned a release: scenes hold no Heat")

    async def release(self, plan, read_only):
        raise AssertionError("a replayed screen released a constituent: scenes hold no Heat")

    async def plan_import(self, name, region, wanted, read_only):
        raise AssertionError("a replayed screen planned an import: scenes hold no Heat")

    async def import_stacks(self, plan, read_only):
        raise AssertionError("a replayed screen imported stacks: scenes hold no Heat")

    async def abandon(self, stack, read_only):
        raise AssertionError("a replayed screen abandoned a stack: scenes hold no Heat")

    async def snapshots(self, master):
        return self.scene["snapshots"][master.id]

    async def take_snapshot(self, master, before, read_only):
        raise AssertionError("a replayed screen took a snapshot: scenes hold no Heat")

    async def plan_restore(self, master, snapshot_id, read_only):
        raise AssertionError("a replayed screen planned a restore: scenes hold no Heat")

    async def restore(self, plan, read_only):
        raise AssertionError("a replayed screen restored a snapshot: scenes hold no Heat")

    async def delete_snapshot(self, master, snapshot_id, read_only):
        raise AssertionError("a replayed screen deleted a snapshot: scenes hold no Heat")


class _NoActions:
    """A replayed screen acts on nothing."""

    def __getattr__(self, name):
        raise AssertionError(f"a replayed screen tried to act ({name})")


_VIEW: type[Session] = ReplaySession  # mypy: the replay implements the session's every protocol


def replay_app(name: str) -> tuple[MrConsoleApp, dict]:
    scene = load(name)

    async def factory():
        return ReplaySession(scene)

    return MrConsoleApp(factory), scene


__all__ = ["RegionView", "ReplaySession", "load", "replay_app", "save", "scene_of"]
