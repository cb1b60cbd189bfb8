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
import importlib
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

from mrconsole.core.events import Timeline
from mrconsole.core.session import ConsoleSession, RegionView, SessionConfig
from mrconsole.tui.app import MrConsoleApp

DATA = Path(__file__).parent / "data"


# -- the codec ------------------------------------------------------------------
def encode(obj):
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"__dc__": f"{type(obj).__module__}:{type(obj).__qualname__}"}
        for f in dataclasses.fields(obj):
            if f.init and not f.name.startswith("_"):
                out[f.name] = encode(getattr(obj, f.name))
        return out
    if isinstance(obj, datetime):
        return {"__dt__": obj.isoformat()}
    if isinstance(obj, tuple):
        return {"__tuple__": [encode(v) for v in obj]}
    if isinstance(obj, (set, frozenset)):
        return {"__set__": sorted(encode(v) for v in obj)}
    if isinstance(obj, list):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in obj.items()]}
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"cannot keep {type(obj).__name__} in a scene")


def decode(obj):
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__dt__" in obj:
        return datetime.fromisoformat(obj["__dt__"])
    if "__tuple__" in obj:
        return tuple(decode(v) for v in obj["__tuple__"])
    if "__set__" in obj:
        return set(decode(v) for v in obj["__set__"])
    if "__dict__" in obj:
        return {decode(k): decode(v) for k, v in obj["__dict__"]}
    module, _, name = obj["__dc__"].partition(":")
    if not module.startswith("mrconsole."):
        raise ValueError(f"a scene may only hold mrconsole's dataclasses, not {module}")
    cls = getattr(importlib.import_module(module), name)
    return cls(**{k: decode(v) for k, v in obj.items() if k != "__dc__"})


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
class _Health:
    def subscribe(self, callback) -> None:
        pass


class ReplayFleet:
    def __init__(self, scene: dict):
        self.name = scene["cloud"]
        self.region_names = scene["region_names"]
        self._health = scene["health"]

    def health(self):
        return self._health

    def region(self, name: str):
        raise AssertionError(f"a replayed screen asked the cloud for {name}: it must read the session")

    def close(self) -> None:
        pass


class _Stream:
    def __init__(self, events, stats):
        self.timeline = Timeline()
        self.timeline.add(list(events))
        self._stats = stats

    def stats(self) -> dict:
        return self._stats


class ReplaySession(ConsoleSession):
    """A ConsoleSession's state and reads, from a scene; nothing runs."""

    def __init__(self, scene: dict):
        self.scene = scene
        self.fleet = ReplayFleet(scene)
        self.cache = None
        self.cache_error = ""
        self.config = SessionConfig()
        self.regions = {v.region: v for v in scene["regions"]}
        for view in self.regions.values():
            view._ordered = None
        self.master = scene["master"]
        self.stream = _Stream(scene["events"], scene["stats"])
        self._listeners = []
        self._tasks = []
        self._names = Counter(s.name for v in self.regions.values() for s in v.by_id.values())

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def refresh_now(self) -> None:
        pass

    async def describe(self, region, stack_id):
        return self.scene["describe"][stack_id]

    async def why(self, region, stack_id):
        return self.scene["why"][stack_id]

    async def drift(self, master):
        return self.scene["drift"][master]

    async def journal(self, limit=200):
        return self.scene["journal"][:limit]


def replay_app(name: str) -> tuple[MrConsoleApp, dict]:
    scene = load(name)

    async def factory():
        return ReplaySession(scene)

    return MrConsoleApp(factory), scene


__all__ = ["RegionView", "ReplaySession", "load", "replay_app", "save", "scene_of"]
