"""The errors the core lets through to its callers (the console, the command line).

A region that cannot be read or an action Heat refused arrives as a
`CloudError` (a kind and a one-line message); the views show the message and
never need the cloud layer itself. An action that cannot go ahead as asked
(nothing sent) is a `PlanError`. A bug of ours met while asking a region arrives
as an `InternalError` (its traceback already in mrconsole.log): never a region outage.
"""

from mrconsole.cloud.errors import CONFIG, CONFLICT, INVALID, NOT_FOUND, UNAVAILABLE, CloudError
from mrconsole.errors import INTERNAL_MESSAGE, InternalError

__all__ = [
    "PlanError",
    "CONFIG",
    "CONFLICT",
    "INTERNAL_MESSAGE",
    "INVALID",
    "NOT_FOUND",
    "UNAVAILABLE",
    "CloudError",
    "InternalError",
]


class PlanError(Exception):
    """The action cannot go ahead as asked; nothing was sent. `usage`: the request itself is wrong."""

    one_line = True

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage
