"""Heat parameter types and constraints, checked before anything is sent.

Used by template analysis (values passed to child stacks) and by the launch
form (values an operator types). Returns a message per broken constraint.
A hidden parameter's value is never part of a message: it is named `******`
where the message would show it (never masked afterwards by replacing the
value in the text, which garbles a message when the value is short or empty).
"""

from __future__ import annotations

import json
import re

TYPES = ("string", "number", "boolean", "json", "comma_delimited_list")
_TRUE = {"true", "yes", "on", "y", "t", "1"}
_FALSE = {"false", "no", "off", "n", "f", "0"}


HIDDEN = "******"


def coerce(ptype: str, value, shown: str | None = None):
    """Convert a value to the parameter's type; raises ValueError with a message that names the
    value as `shown` (its repr unless given)."""
    shown = repr(value) if shown is None else shown
    if ptype == "number":
        if isinstance(value, bool):
            raise ValueError(f"{shown} is not a number")
        if isinstance(value, (int, float)):
            return value
        try:
            text = str(value).strip()
            return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise ValueError(f"{shown} is not a number") from None
    if ptype == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{shown} is not a boolean")
    if ptype == "json":
        if isinstance(value, (dict, list)):
            return value
        if value == "":
            return value  # Heat's JsonParam.parse parses only a non-empty string: '' is accepted as it is
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            raise ValueError(f"{shown} is not valid JSON") from None
    if ptype == "comma_delimited_list":
        if isinstance(value, list):
            return [str(v) for v in value]
        return [v.strip() for v in str(value).split(",")] if str(value) else []
    return value if isinstance(value, str) else str(value)


def check(ptype: str, constraints, value, hidden: bool = False) -> list[str]:
    """Messages for every type error or broken constraint (empty when valid); a hidden value is
    named `******` in them, never shown."""
    shown = HIDDEN if hidden else repr(value)
    try:
        typed = coerce(ptype or "string", value, shown)
    except ValueError as exc:
        return [str(exc)]
    problems = []
    for c in constraints or []:
        if not isinstance(c, dict):
            continue
        desc = c.get("description")
        msg = None
        if "range" in c and isinstance(c["range"], dict) and isinstance(typed, (int, float)):
            lo, hi = c["range"].get("min"), c["range"].get("max")
            if (lo is not None and typed < lo) or (hi is not None and typed > hi):
                msg = f"{HIDDEN if hidden else typed} is out of range" + _bounds(lo, hi)
        elif "length" in c and isinstance(c["length"], dict):
            lo, hi = c["length"].get("min"), c["length"].get("max")
            n = len(typed) if isinstance(typed, (str, list, dict)) else len(str(typed))
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                msg = f"length {n} is out of range" + _bounds(lo, hi)
        elif "allowed_values" in c and isinstance(c["allowed_values"], list):
            allowed = c["allowed_values"]
            items = typed if isinstance(typed, list) else [typed]
            if any(i not in allowed and str(i) not in [str(a) for a in allowed] for i in items):
                msg = f"{shown} is not one of {', '.join(map(str, allowed))}"
        elif "allowed_pattern" in c and isinstance(c["allowed_pattern"], str):
            try:
                if not re.fullmatch(c["allowed_pattern"], str(typed)):
                    msg = f"{shown} does not match pattern {c['allowed_pattern']}"
            except re.error:
                msg = f"the pattern {c['allowed_pattern']!r} is not a valid regular expression"
        if msg:
            problems.append(desc or msg)
    return problems


def _bounds(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f" ({lo}..{hi})"
    if lo is not None:
        return f" (min {lo})"
    return f" (max {hi})"
