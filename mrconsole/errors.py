"""Turning any exception into one line an operator can act on."""

from __future__ import annotations


def describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    name = type(exc).__name__
    if not first:
        return name
    # Our own errors already read as sentences; others get their type for context.
    if getattr(exc, "one_line", False) or name in ("LabError", "CloudError", "TemplateError"):
        return first
    return f"{first} ({name})"
