"""Follow a failure across regions down to its root cause.

Heat says only `Resource CREATE failed: HTTPBadRequest: resources.app_stack:
...` on the master. This walks from a failed stack into each failed
OS::Heat::Stack resource's constituent, in that constituent's own region,
and names the first resource that failed there, with the events around it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mrconsole.cloud.errors import CloudError
from mrconsole.models import Event, Resource, Stack
from mrconsole.template.heat import REMOTE_STACK, regional_resources, resolve_region

_EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass
class WhyStep:
    stack: Stack
    failed_resources: list[Resource] = field(default_factory=list)


# After a stack's resources, Heat deletes its trust and its stack-domain project (heat/engine/stack.py
# `_delete_credentials`, `_delete_user_project`): Keystone not answering then fails the delete with these
# reasons, the resources already gone (seen on the production lab: tests/lab/test_faults.py).
CREDENTIAL_CLEANUP = ("Error deleting trust", "Error deleting project")

# Heat 27's convergence engine, once an update or a rollback has reached its end, stores the stack COMPLETE and
# then deletes its previous template (heat/engine/stack.py `purge_db`). When a resource row still refers to that
# template, MariaDB refuses (error 1451: the resource table's foreign key to raw_template) and Heat marks the
# stack UPDATE_FAILED or ROLLBACK_FAILED with the database's error as its reason, its resources already at the
# new template. Met twice in the lab tier's rollouts on MariaDB (sqlite enforces no such key, so never there);
# tests/lab/test_database.py makes Heat meet the same refusal on purpose and pins what clears it.
TEMPLATE_PURGE = re.compile(r"\b1451\b.*`current_template_id`.*`raw_template`", re.S)


def template_purge_failed(reason: str) -> bool:
    """Heat's reason says the failure was its clean-up of the previous template, after the action's end."""
    return bool(TEMPLATE_PURGE.search(reason or ""))


@dataclass
class RootCause:
    region: str
    stack_name: str
    stack_id: str
    resource: str | None
    resource_type: str
    status: str
    reason: str
    events_around: list[Event] = field(default_factory=list)
    # The stack `why` started from (its master, when the root is in a constituent): a check of it reaches
    # every constituent in its own region (Heat's RemoteStack.handle_check), so it is the one to check.
    start: Stack | None = None

    @property
    def instead(self) -> str:
        """What to do about a failure whose cause is known to be passing, or "" (say nothing)."""
        if self.status == "DELETE_FAILED" and any(m in self.reason for m in CREDENTIAL_CLEANUP):
            return (
                f"Heat deleted {self.stack_name}'s resources but could not reach Keystone to remove its credentials; "
                f"once Keystone answers, delete it again: mrconsole stack delete {self.stack_id} "
                f"--region {self.region}"
            )
        if self.status.endswith("_FAILED") and template_purge_failed(self.reason):
            action = self.status.split("_")[0].lower()
            check = self.start or Stack(region=self.region, id=self.stack_id, name=self.stack_name, status="")
            return (
                f"Heat reached the end of {self.stack_name}'s {action}, then failed to delete its previous "
                f"template (its database refused: a resource still refers to it), so the resources are as the "
                f"{action} left them. Have Heat check them, which clears the status: mrconsole stack check "
                f"{check.name or check.id} --region {check.region}"
            )
        return ""


@dataclass
class WhyReport:
    start: Stack | None
    steps: list[WhyStep] = field(default_factory=list)
    root: RootCause | None = None
    unreachable: dict[str, str] = field(default_factory=dict)  # region -> why it could not be read

    @property
    def failed(self) -> bool:
        return self.root is not None


async def why(fleet, region: str, name_or_id: str, max_depth: int = 5, context: int = 4) -> WhyReport:
    client = fleet.region(region)
    detail = await client.get_stack(name_or_id)
    report = WhyReport(start=detail.stack)
    candidates: list[tuple] = []  # (time, region, stack, resource)
    await _walk(fleet, detail.stack, detail.parameters, report, candidates, max_depth)
    if not candidates:
        failed_stacks = [s.stack for s in report.steps if s.stack.failed]
        if failed_stacks:
            s = failed_stacks[-1]
            report.root = RootCause(s.region, s.name, s.id, None, "", s.status, s.status_reason, start=detail.stack)
        return report
    # The root cause is the first resource that failed, in whichever region.
    _, r_region, r_stack, resource = min(candidates, key=lambda c: c[0])
    report.root = RootCause(
        r_region,
        r_stack.name,
        r_stack.id,
        resource.name,
        resource.type,
        resource.status,
        resource.status_reason,
        start=detail.stack,
    )
    try:
        events = await fleet.region(r_region).events(resource.stack_name, resource.stack_id, sort_dir="asc")
        idx = next(
            (i for i, e in enumerate(events) if e.resource_name == resource.name and e.status.endswith("_FAILED")), None
        )
        if idx is not None:
            report.root.events_around = events[max(0, idx - context) : idx + context + 1]
    except CloudError as exc:
        report.unreachable[r_region] = exc.message
    return report


async def _walk(fleet, stack: Stack, parameters: dict, report: WhyReport, candidates: list, depth: int) -> None:
    client = fleet.region(stack.region)
    step = WhyStep(stack)
    report.steps.append(step)
    try:
        resources, template = await asyncio.gather(client.resources(stack, nested_depth=3), client.template(stack))
    except CloudError as exc:
        report.unreachable[stack.region] = exc.message
        return
    specs = regional_resources(template)
    step.failed_resources = [r for r in resources if r.failed]
    for r in step.failed_resources:
        if r.type == REMOTE_STACK and r.name in specs and r.stack_id == stack.id and depth > 0:
            remote_region = resolve_region(specs[r.name], parameters, stack.region)
            if r.physical_id and remote_region is not None and remote_region in fleet.region_names:
                try:
                    remote = await fleet.region(remote_region).get_stack(r.physical_id)
                except CloudError as exc:
                    report.unreachable[remote_region] = exc.message
                    candidates.append((r.updated_time or _EPOCH, stack.region, stack, r))
                    continue
                before = len(candidates)
                await _walk(fleet, remote.stack, remote.parameters, report, candidates, depth - 1)
                if len(candidates) == before:
                    # Heat retries a failed resource and deletes the failed remote
                    # stack first, so its resources may be gone: its events are not.
                    cause = await _first_failure_in_events(fleet, remote.stack, report)
                    candidates.append(
                        cause
                        or (
                            remote.stack.updated_time or r.updated_time or _EPOCH,
                            remote_region,
                            remote.stack,
                            _as_resource(remote.stack),
                        )
                    )
                continue
            # Never created remotely (validation failed there, region unreachable...):
            # this resource's reason carries the remote region's answer.
            candidates.append((r.updated_time or _EPOCH, stack.region, stack, r))
        elif r.type != REMOTE_STACK and not _is_nested_parent(r, resources):
            candidates.append((r.updated_time or _EPOCH, stack.region, stack, r))


async def _first_failure_in_events(fleet, stack: Stack, report: WhyReport):
    try:
        events = await fleet.region(stack.region).events(stack.name, stack.id, sort_dir="asc")
    except CloudError as exc:
        report.unreachable[stack.region] = exc.message
        return None
    for e in events:
        if e.status.endswith("_FAILED") and e.resource_name != stack.name:
            resource = Resource(
                region=stack.region,
                stack_id=stack.id,
                stack_name=stack.name,
                name=e.resource_name,
                type=e.resource_type or "",
                status=e.status,
                status_reason=e.status_reason,
                physical_id=e.physical_id,
                updated_time=e.time,
            )
            return (e.time or _EPOCH, stack.region, stack, resource)
    return None


def _is_nested_parent(r: Resource, resources: list[Resource]) -> bool:
    """A failed resource whose nested stack holds a failed resource is not the cause itself."""
    return bool(r.physical_id) and any(x.failed and x.stack_id == r.physical_id for x in resources)


def _as_resource(stack: Stack) -> Resource:
    return Resource(
        region=stack.region,
        stack_id=stack.id,
        stack_name=stack.name,
        name=stack.name,
        type="stack",
        status=stack.status,
        status_reason=stack.status_reason,
        updated_time=stack.updated_time,
    )
