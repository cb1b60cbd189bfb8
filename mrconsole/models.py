"""Dataclasses that cross layers: what the cloud returns and the console shows.

Nothing above `cloud/` ever sees a heatclient object; it sees these.
Names follow Heat's own vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

HIDDEN = "******"


def parse_time(value) -> datetime | None:
    """Heat's timestamps: ISO 8601, with or without 'Z', one-second resolution."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def split_status(status: str) -> tuple[str, str]:
    """'CREATE_IN_PROGRESS' -> ('CREATE', 'IN_PROGRESS')."""
    for state in ("IN_PROGRESS", "COMPLETE", "FAILED"):
        if status.endswith("_" + state):
            return status[: -len(state) - 1], state
    return status, ""


@dataclass(frozen=True)
class Stack:
    region: str
    id: str
    name: str
    status: str
    status_reason: str = ""
    created_time: datetime | None = None
    updated_time: datetime | None = None
    description: str = ""
    parent: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        return split_status(self.status)[0]

    @property
    def state(self) -> str:
        return split_status(self.status)[1]

    @property
    def in_progress(self) -> bool:
        return self.state == "IN_PROGRESS"

    @property
    def failed(self) -> bool:
        return self.state == "FAILED"

    @property
    def changed_time(self) -> datetime | None:
        return self.updated_time or self.created_time


@dataclass(frozen=True)
class Output:
    key: str
    value: object = None
    description: str = ""
    error: str | None = None


@dataclass(frozen=True)
class StackDetail:
    stack: Stack
    parameters: dict[str, str] = field(default_factory=dict)
    outputs: tuple[Output, ...] = ()
    timeout_mins: int | None = None
    disable_rollback: bool = True


@dataclass(frozen=True)
class Resource:
    region: str
    stack_id: str
    stack_name: str
    name: str
    type: str
    status: str
    status_reason: str = ""
    physical_id: str = ""
    updated_time: datetime | None = None
    parent_resource: str | None = None
    required_by: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")


@dataclass(frozen=True)
class ResourceDetail:
    """One resource as `openstack stack resource show --with-attr` tells it, and its metadata."""

    resource: Resource
    attributes: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Event:
    region: str
    stack_id: str
    stack_name: str
    id: str
    time: datetime | None
    resource_name: str
    status: str
    status_reason: str = ""
    physical_id: str = ""
    resource_type: str = ""
    kind: str = "event"  # "event", or "gap" when events may have been missed

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")


# Between a cloud's name and a region's in the console's name for a region of a cloud opened beside the first
# (`--os-cloud A --os-cloud B`): `B/RegionOne`; the first cloud's regions keep their own names.
CLOUD_SEPARATOR = "/"


def split_region(first: str, region: str) -> tuple[str, str]:
    """(cloud, catalog name) of a region as the console names it: `CLOUD/REGION` for a cloud opened beside the
    first, a plain name for one of the first cloud's (`first`)."""
    cloud, sep, name = region.partition(CLOUD_SEPARATOR)
    return (cloud, name) if sep else (first, region)


def console_region(first: str, cloud: str, region: str) -> str:
    """The console's name, when `first` is the first cloud opened, for `region` of `cloud` as the state files
    keep it (each cloud's catalog name under its own cloud: the same master is found whichever clouds are
    opened beside it). A name kept as `CLOUD/REGION` under another cloud (files written before) reads the same."""
    cloud, name = split_region(cloud, region)
    return name if cloud == first else f"{cloud}{CLOUD_SEPARATOR}{name}"


def same_cloud(region: str, name: str) -> str:
    """The console's name for region `name` (a catalog name, as a master's template gives it) of the cloud
    that `region` (a console name) belongs to: a master's constituent is in the master's own cloud."""
    cloud, sep, _ = region.partition(CLOUD_SEPARATOR)
    return f"{cloud}{sep}{name}" if sep and CLOUD_SEPARATOR not in name else name


@dataclass(frozen=True)
class SecretLogin:
    """What a Barbican secret holding another cloud's login (credential_secret_id) is, as Heat will read it:
    a problem Heat would meet ("" when none) and the Keystone it logs in to (its auth_url). Never the login."""

    problem: str
    auth_url: str


@dataclass(frozen=True)
class Identity:
    """Who the console is, from the token Keystone gave (no secret): what Heat's policy and Keystone's
    trust rules decide by."""

    user: str
    project: str
    roles: tuple[str, ...]
    methods: tuple[str, ...]  # how the token was got: password, token, application_credential, ...

    @property
    def role_text(self) -> str:
        return ", ".join(self.roles) or "no role"

    @property
    def application_credential(self) -> bool:
        return "application_credential" in self.methods
