"""The core's dataclasses as JSON and back: a flight recording's records (core/live/recording.py) and the
screen tier's scenes are written with it.

Only mrconsole's own dataclasses are ever rebuilt (a file names a class by module and name; anything outside
`mrconsole.` is refused): a recording is data, and reading one runs none of its text.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
from datetime import datetime


class CodecError(ValueError):
    one_line = True


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
    raise TypeError(f"cannot keep {type(obj).__name__} in a recording")


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
    if "__dc__" not in obj:
        return {k: decode(v) for k, v in obj.items()}
    module, _, name = str(obj["__dc__"]).partition(":")
    if not module.startswith("mrconsole."):
        raise CodecError(f"a recording may only hold mrconsole's dataclasses, not {module}")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise CodecError(f"no {module}:{name} in this version of mrconsole") from None
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise CodecError(f"{module}:{name} is not a dataclass")
    try:
        return cls(**{k: decode(v) for k, v in obj.items() if k != "__dc__"})
    except TypeError as exc:
        raise CodecError(f"{module}:{name}: {exc}") from None


# -- a document's change, as the places that changed ------------------------------------------------------
# The recorder writes the master's view when it changes (every few seconds during an update: its resources'
# statuses); whole, that view is ~13 KB for a master of three constituents, and one rollout wrote it 46 times
# (88 % of a recorded night). A patch names only the values that moved: O(what changed) bytes.


def json_diff(old, new, path: tuple = ()) -> list[list]:
    """[[path, value], ...] that turn `old` into `new` (JSON documents as `encode` makes them): a dict with the
    same keys and a list of the same length are compared item by item; anything else that differs is
    replaced whole. [] when they are equal. Cost: O(size of the documents)."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys():
        return [op for k in new for op in json_diff(old[k], new[k], (*path, k))]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [op for i, (a, b) in enumerate(zip(old, new, strict=True)) for op in json_diff(a, b, (*path, i))]
    return [[list(path), new]]


def json_patch(doc, ops: list):
    """`doc` with `ops` (from json_diff) applied, in place where it can be; returns the document (a patch at
    the root replaces it). Each value set is a copy, so the patch record stays as it was read (a seek back
    replays it again). A path that does not fit the document is a CodecError."""
    for op in ops:
        try:
            path, value = op
            value = copy.deepcopy(value)
            if not path:
                doc = value
                continue
            node = doc
            for key in path[:-1]:
                node = node[key]
            if isinstance(node, list) and not (isinstance(path[-1], int) and 0 <= path[-1] < len(node)):
                raise IndexError(path[-1])
            if isinstance(node, dict) and path[-1] not in node:
                raise KeyError(path[-1])
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise CodecError(f"a patch does not fit the document it follows ({type(exc).__name__}: {exc})") from None
    return doc
