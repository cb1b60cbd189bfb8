"""Hostile text in a lab-captured scene: every field Heat's users write, made as hard to show as can be.

Anyone in a project writes stack, resource and output names, reasons (a VM writes a wait condition's),
output values, parameters and snapshot names. `hostile(scene)` gives each such string, everywhere it
occurs in the scene (dict keys included, so what refers to a name still finds it), a suffix of markup,
escape sequences, a carriage return, a bidi override, an emoji and a NUL; reasons get 10 kB more.
Ids, statuses, region names, times and the console's own words stay as captured.
"""

from __future__ import annotations

import json

from tests.screens.replay import DATA, decode

# No space in it: a name with it can still be typed after `:stack`.
PAYLOAD = "[/]x[bold]b[link=http://e.x]l[fd00::1]\x1b]0;pwned\x07\x1b[2J\r\u202e😀\x00"
LONG = " " + "Lorem[/]ipsum " * 700  # ~10 kB

# The dataclass fields that hold text a project's users write (models.py and the core's views).
NAME_FIELDS = {"name", "stack_name", "resource_name", "resource", "key", "master", "master_name", "snapshot"}
TEXT_FIELDS = {"status_reason", "reason", "description", "error", "value", "message", "detail"}
REASON_FIELDS = {"status_reason", "reason"}


def _collect(obj, names: dict[str, str], texts: dict[str, str]) -> None:
    if isinstance(obj, list):
        for v in obj:
            _collect(v, names, texts)
    elif isinstance(obj, dict):
        if "__dc__" in obj:
            for k, v in obj.items():
                if isinstance(v, str) and v and k in NAME_FIELDS:
                    names.setdefault(v, v + PAYLOAD)
                elif isinstance(v, str) and v and k in TEXT_FIELDS:
                    texts.setdefault(v, v + PAYLOAD + (LONG if k in REASON_FIELDS else ""))
                if k == "parameters" and isinstance(v, dict) and "__dict__" in v:
                    for _key, value in v["__dict__"]:
                        if isinstance(value, str) and value:
                            texts.setdefault(value, value + PAYLOAD)
        for k, v in obj.items():
            if k != "__dict__" or "__dc__" in obj:
                _collect(v, names, texts)
            else:  # a dict: its keys are looked up by name, its values may be dataclasses
                for key, value in v:
                    # Heat's own JSON kept as it answered (a snapshot: name, status_reason): the same fields.
                    if isinstance(value, str) and value and key in NAME_FIELDS:
                        names.setdefault(value, value + PAYLOAD)
                    elif isinstance(value, str) and value and key in TEXT_FIELDS:
                        texts.setdefault(value, value + PAYLOAD + (LONG if key in REASON_FIELDS else ""))
                    _collect(value, names, texts)


def _apply(obj, table: dict[str, str]):
    if isinstance(obj, str):
        return table.get(obj, obj)
    if isinstance(obj, list):
        return [_apply(v, table) for v in obj]
    if isinstance(obj, dict):
        if "__dc__" in obj:
            return {k: (v if k == "__dc__" else _apply(v, table)) for k, v in obj.items()}
        return {k: _apply(v, table) for k, v in obj.items()}
    return obj


def hostile(name: str) -> tuple[dict, dict[str, str]]:
    """The scene `name` made hostile, and how each name was changed (to type it in a command)."""
    raw = json.loads((DATA / f"{name}.json").read_text())
    names: dict[str, str] = {}
    texts: dict[str, str] = {}
    _collect(raw, names, texts)
    top = dict(raw["__dict__"])
    keep = set(top["region_names"]) | {top["cloud"]}  # from the catalog and clouds.yaml, not from a user
    table = {k: v for k, v in {**texts, **names}.items() if k not in keep and len(k) > 1}
    return decode(_apply(raw, table)), names
