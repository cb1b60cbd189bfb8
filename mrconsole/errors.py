"""Turning any exception into one line an operator can act on, and telling our bugs from outages."""

from __future__ import annotations

INTERNAL = "internal"
INTERNAL_MESSAGE = "internal error (see mrconsole.log)"


class InternalError(Exception):
    """A bug in mrconsole's own code, met while talking to a region (converting its answer,
    building a request). Not a `CloudError`: the region answered or was never asked, so it is
    neither marked down nor degraded for it. The traceback is in mrconsole.log; the operator
    reads `INTERNAL_MESSAGE`. It has the same `kind`/`message`/`region` as a `CloudError`, so
    views that show a region's last error show this one the same way."""

    one_line = True
    kind = INTERNAL

    def __init__(self, region: str | None, cause: BaseException | None = None, what: str = ""):
        self.region = region
        self.cause = cause
        self.what = what
        self.message = INTERNAL_MESSAGE
        self.request_id = None
        super().__init__(f"{region}: {INTERNAL_MESSAGE}" if region else INTERNAL_MESSAGE)


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
