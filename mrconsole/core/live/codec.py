"""The core's dataclasses as JSON and back: a flight recording's records (core/live/recording.py) and the
screen tier's scenes are written with it.

Only mrconsole's own dataclasses are ever rebuilt (a file names a class by module and name; anything outside
`mrconsole.` is refused): a recording is data, and reading one runs none of its text.
"""

from __future__ import annotations

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
