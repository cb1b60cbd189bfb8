"""heatclient objects -> console dataclasses. Runs in the region's thread."""

from __future__ import annotations

from mrconsole.models import HIDDEN, Event, Output, Resource, Stack, StackDetail, parse_time


def field_of(obj, key, default=None):
    """A field of a heatclient object or of a plain dict (heatclient answers both)."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def to_stack(region: str, s) -> Stack:
    tags = field_of(s, "tags") or ()
    return Stack(
        region=region,
        id=field_of(s, "id"),
        name=field_of(s, "stack_name"),
        status=field_of(s, "stack_status") or "",
        status_reason=field_of(s, "stack_status_reason") or "",
        created_time=parse_time(field_of(s, "creation_time")),
        updated_time=parse_time(field_of(s, "updated_time")),
        description=field_of(s, "description") or "",
        parent=field_of(s, "parent"),
        tags=tuple(tags) if not isinstance(tags, str) else tuple(t for t in tags.split(",") if t),
    )


# Parameters Heat adds to every stack; they say nothing about this deployment.
_PSEUDO = {"OS::stack_id", "OS::stack_name", "OS::project_id"}


def to_detail(region: str, s) -> StackDetail:
    params = {k: str(v) for k, v in (field_of(s, "parameters") or {}).items() if k not in _PSEUDO}
    outputs = tuple(
        Output(
            key=o.get("output_key", ""),
            value=o.get("output_value"),
            description=o.get("description") or "",
            error=o.get("output_error"),
        )
        for o in (field_of(s, "outputs") or [])
    )
    timeout = field_of(s, "timeout_mins")
    return StackDetail(
        stack=to_stack(region, s),
        parameters=params,
        outputs=tuple(sorted(outputs, key=lambda o: o.key)),
        timeout_mins=int(timeout) if timeout else None,
        disable_rollback=bool(field_of(s, "disable_rollback", True)),
    )


def mask_parameters(params: dict, hidden: set[str] | frozenset[str]) -> dict:
    """Hide values of parameters the template marks hidden."""
    return {k: (HIDDEN if k in hidden else v) for k, v in params.items()}


def _stack_of(links, fallback_name: str, fallback_id: str) -> tuple[str, str]:
    """The stack a resource or event belongs to, from its 'stack' link."""
    for link in links or []:
        if link.get("rel") == "stack":
            parts = link.get("href", "").rstrip("/").split("/")
            if len(parts) >= 2:
                return parts[-2], parts[-1]
    return fallback_name, fallback_id


def to_resource(region: str, stack: Stack, r) -> Resource:
    name, sid = _stack_of(field_of(r, "links"), stack.name, stack.id)
    return Resource(
        region=region,
        stack_id=sid,
        stack_name=name,
        name=field_of(r, "resource_name"),
        type=field_of(r, "resource_type") or "",
        status=field_of(r, "resource_status") or "",
        status_reason=field_of(r, "resource_status_reason") or "",
        physical_id=field_of(r, "physical_resource_id") or "",
        updated_time=parse_time(field_of(r, "updated_time")),
        parent_resource=field_of(r, "parent_resource"),
        required_by=tuple(field_of(r, "required_by") or ()),
    )


def to_event(region: str, stack_name: str, stack_id: str, e) -> Event:
    name, sid = _stack_of(field_of(e, "links"), stack_name, stack_id)
    return Event(
        region=region,
        stack_id=sid,
        stack_name=name,
        id=field_of(e, "id"),
        time=parse_time(field_of(e, "event_time")),
        resource_name=field_of(e, "resource_name") or "",
        status=field_of(e, "resource_status") or "",
        status_reason=field_of(e, "resource_status_reason") or "",
        physical_id=field_of(e, "physical_resource_id") or "",
        resource_type=field_of(e, "resource_type") or "",
    )
