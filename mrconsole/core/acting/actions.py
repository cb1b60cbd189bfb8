"""Acting on stacks: one code path for the console and the command line.

Every mutation here is:
- refused up front in read-only mode (so no UI can bypass it);
- refused if the same action on the same stack is already being submitted
  (a repeated keypress sends nothing twice);
- journaled before the call and completed after it, with a request id that
  Heat also logs (X-OpenStack-Request-ID);
- reported with a message that says what happened to the request: refused
  (nothing changed), not sent, or sent with no answer (check before retrying).
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from dataclasses import dataclass

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.action_table import MUTATIONS, STACK_ACTIONS
from mrconsole.state.journal import FAILED, OK, REFUSED, UNKNOWN, Journal, named


class ReadOnlyError(Exception):
    one_line = True


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


class ActionError(Exception):
    """A refused or failed action; `sent` says whether Heat may have received it."""

    one_line = True

    def __init__(self, message: str, kind: str = "failed", sent: bool = False):
        super().__init__(message)
        self.kind = kind
        self.sent = sent


@dataclass(frozen=True)
class ActionResult:
    action: str
    region: str
    stack_name: str
    stack_id: str | None
    ok: bool
    message: str
    request_id: str
    journal_id: int | None
    sent: bool = True
    refused: bool = False  # known refused before sending (Heat's policy, Keystone's trusts): nothing was sent


@dataclass(frozen=True)
class Target:
    """A stack to act on, and whether acting on it is out of band."""

    region: str
    name: str
    id: str | None = None
    out_of_band: bool = False  # a constituent acted on directly while its master is unreachable
    master_id: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.name}/{self.id}" if self.id else self.name


def explain(exc: CloudError, action: str, stack: str) -> ActionError:
    if exc.kind == errors.CONFLICT:
        if "progress" in exc.message.lower():
            return ActionError(
                f"{stack} is busy: {exc.message}. Wait for the current action, or cancel it.", "conflict"
            )
        return ActionError(f"conflict, nothing changed: {exc.message}", "conflict")
    if exc.kind == errors.INVALID and "X-Auth-Key" in exc.message:
        # heat/engine/service.py _validate_deferred_auth_context: Heat keeps passwords for what it does
        # later on the user's behalf, and a session-token client (this one, and `openstack stack`) sends none.
        return ActionError(
            f"Heat refused to {action} {stack}: {exc.message}. {exc.region}'s Heat uses password deferred auth "
            "(deferred_auth_method = password): a template with resources that act later on your behalf (a wait "
            "condition handle, a scaling policy, a software deployment, a nested stack) must be sent with your "
            "password, which this client never sends; ask the cloud's operators to use trusts",
            "invalid",
        )
    if exc.kind == errors.INVALID:
        return ActionError(f"Heat refused to {action} {stack}: {exc.message}", "invalid")
    if exc.kind == errors.NOT_FOUND:
        return ActionError(f"no stack {stack} in {exc.region}: {exc.message}", "not_found")
    if exc.kind == errors.UNAVAILABLE:
        if "refused" in exc.message:
            return ActionError(f"{exc.region} is unreachable ({exc.message}): nothing was sent", "unreachable")
        return ActionError(
            f"{exc.region} did not answer ({exc.message}): the {action} may or may not have "
            f"been applied; check before retrying: mrconsole events {stack} --region {exc.region}",
            "unknown",
            sent=True,
        )
    return ActionError(f"{exc.region}: {exc.message}", exc.kind)


class Actions:
    def __init__(
        self, fleet, journal: Journal | None = None, read_only: bool = False, on_accepted=None, on_result=None
    ):
        """on_accepted(region, stack_id, name): called when Heat accepted an action,
        so a live view can read that stack's first events at once. on_result(ActionResult): every action
        that got as far as its sender, accepted, failed or refused (a flight recording keeps them)."""
        self.fleet = fleet
        self.journal = journal or Journal()
        self.read_only = read_only
        self.on_accepted = on_accepted
        self.on_result = on_result
        self._inflight: set[tuple] = set()

    def _check_allowed(self, action: str) -> None:
        if action in MUTATIONS and self.read_only:
            raise ReadOnlyError(f"read-only mode: {action} is not allowed; nothing was sent")

    async def _run(
        self, action: str, target: Target, call, parameters=None, hidden=frozenset(), policy: str | None = None
    ) -> ActionResult:
        """`policy`: the name core/acting/permissions.py knows the request by, when it is not the action's own."""
        result = await self._run_once(action, target, call, parameters, hidden, policy)
        if self.on_result is not None:
            self.on_result(result)
        return result

    async def _run_once(
        self, action: str, target: Target, call, parameters=None, hidden=frozenset(), policy: str | None = None
    ) -> ActionResult:
        self._check_allowed(action)
        key = (target.region, target.id or target.name, action)
        if key in self._inflight:
            raise ActionError(f"{action} of {target.name} is already being submitted", "duplicate")
        self._inflight.add(key)
        request_id = f"req-{uuid.uuid4()}"
        try:
            # Known to be refused (the user's role, Keystone's trusts): said, journaled as not sent.
            refusal = await self.fleet.permissions.refusal(target.region, policy or action)
            if refusal is not None:
                await self.refuse(target, action, refusal.line(), parameters, hidden)
                return ActionResult(
                    action, target.region, target.name, target.id, False, refusal.line(), "", None, sent=False,
                    refused=True,
                )  # fmt: skip
            # The journal is sqlite on disk: written off the event loop, so a
            # slow disk never stalls a screen. Nothing is sent that could not be journaled first.
            entry = await self._journal_or_refuse(
                self.journal.begin,
                cloud=self.fleet.name,
                region=target.region,
                stack_name=target.name,
                stack_id=target.id,
                action=action,
                parameters=parameters,
                hidden=hidden,
                request_id=request_id,
                out_of_band=target.out_of_band,
                master_id=target.master_id,
            )
            try:
                result = await call(self.fleet.region(target.region), request_id)
            except CloudError as exc:
                learned = await self.fleet.permissions.learn(target.region, policy or action, exc)
                err = ActionError(learned.line(), "forbidden") if learned else explain(exc, action, target.name)
                # Sent, and the answer lost on the way back: neither failed nor done, and said so.
                outcome = UNKNOWN if err.kind == "unknown" else FAILED
                await asyncio.to_thread(self.journal.finish, entry, outcome, str(err))
                return ActionResult(
                    action, target.region, target.name, target.id, False, str(err), request_id, entry, sent=err.sent
                )
            stack_id = target.id or (result.get("id") if isinstance(result, dict) else None)
            if self.on_accepted is not None and stack_id:
                self.on_accepted(target.region, stack_id, target.name)
            said = "accepted"
            try:
                await asyncio.to_thread(self.journal.finish, entry, OK, "accepted", stack_id=stack_id)
            except (sqlite3.Error, OSError) as exc:  # Heat has it: say so, or a retry would send it twice
                said = f"Heat accepted the action; the journal could not be written ({_why(exc)})"
            return ActionResult(action, target.region, target.name, stack_id, True, said, request_id, entry)
        finally:
            self._inflight.discard(key)

    async def _journal_or_refuse(self, begin, **entry) -> int:
        try:
            return await asyncio.to_thread(begin, **entry)
        except (sqlite3.Error, OSError) as exc:
            raise ActionError(f"the journal could not be written ({_why(exc)}): nothing was sent", "journal") from None

    async def refuse(self, target: Target, action: str, reason: str, parameters=None, hidden=frozenset()) -> None:
        """Journal an action the preflight refused: it was never sent."""
        entry = await asyncio.to_thread(
            self.journal.begin,
            cloud=self.fleet.name,
            region=target.region,
            stack_name=target.name,
            stack_id=target.id,
            action=action,
            parameters=parameters,
            hidden=hidden,
            request_id=None,
            out_of_band=target.out_of_band,
            master_id=target.master_id,
        )
        await asyncio.to_thread(self.journal.finish, entry, REFUSED, f"not sent: {reason}")

    # -- the actions ---------------------------------------------------------
    async def create(
        self, target: Target, bundle, parameters: dict, hidden=frozenset(), timeout_mins: int | None = None
    ) -> ActionResult:
        async def call(client, rid):
            return await client.create_stack(
                target.name,
                bundle.template,
                files=bundle.files,
                environment=bundle.environment,
                parameters=parameters,
                timeout_mins=timeout_mins,
                request_id=rid,
            )

        return await self._run("create", target, call, parameters, hidden)

    async def fan_out_create(
        self,
        name: str,
        regions: list[str],
        bundle,
        parameters: dict,
        hidden=frozenset(),
        timeout_mins: int | None = None,
    ) -> list[ActionResult]:
        """The same template to several regions at once; one failing does not stop the others."""
        self._check_allowed("create")
        return list(
            await asyncio.gather(
                *(self.create(Target(region, name), bundle, parameters, hidden, timeout_mins) for region in regions)
            )
        )

    async def update(
        self,
        target: Target,
        bundle=None,
        parameters: dict | None = None,
        hidden=frozenset(),
        existing: bool = False,
        timeout_mins: int | None = None,
    ) -> ActionResult:
        async def call(client, rid):
            await client.update_stack(
                target.ref,
                template=bundle.template if bundle else None,
                files=bundle.files if bundle else None,
                environment=bundle.environment if bundle else None,
                parameters=parameters or {},
                existing=existing or bundle is None,
                timeout_mins=timeout_mins,
                request_id=rid,
            )

        policy = "update-template" if bundle is not None and not existing else "update"
        return await self._run("update", target, call, parameters, hidden, policy=policy)

    async def rollout_update(
        self,
        target: Target,
        environment: dict,
        parameters: dict | None = None,
        hidden=frozenset(),
        bundle=None,
        action: str = "rollout",
    ) -> ActionResult:
        """A PATCH of a master that also merges `environment` (the rollout's breakpoints, or their removal, and
        the operation's record in `parameter_defaults`) into its stored one; `bundle`: a new template (its
        environment merged before ours)."""
        self._check_read_only(action)
        env = {**(bundle.environment if bundle else {})}
        registry = {**env.get("resource_registry", {})}
        registry["resources"] = {**registry.get("resources", {}), **environment["resource_registry"]["resources"]}
        env["resource_registry"] = registry
        if environment.get("parameter_defaults"):  # the operation's record (core/rollout/record.py)
            env["parameter_defaults"] = {**env.get("parameter_defaults", {}), **environment["parameter_defaults"]}

        async def call(client, rid):
            await client.update_stack(
                target.ref,
                template=bundle.template if bundle else None,
                files=bundle.files if bundle else None,
                environment=env,
                parameters=parameters or {},
                existing=True,
                request_id=rid,
            )

        return await self._run(action, target, call, parameters, hidden, policy="rollout")

    async def patch_template(self, target: Target, template: dict, action: str, said: dict) -> ActionResult:
        """A PATCH of `target` with a new `template`, everything else (files, environment, parameters) kept by
        Heat (`existing`): a step of a change the console plans itself (core/master/release.py). Journaled as
        `action`, with `said` (names, never values) as its parameters."""
        self._check_read_only(action)

        async def call(client, rid):
            await client.update_stack(
                target.ref, template=template, files={}, environment=None, parameters={}, existing=True,
                request_id=rid,
            )  # fmt: skip

        return await self._run(action, target, call, said, policy="update")

    async def release_hook(self, target: Target, resource: str, hook: str = "pre-update") -> ActionResult:
        """Clear the breakpoint on the master's `resource`: Heat goes on with it."""
        self._check_read_only("release")

        async def call(client, rid):
            await client.signal_resource(target.ref, resource, {"unset_hook": hook}, request_id=rid)

        return await self._run("release", target, call, {"resource": resource})

    async def mark_unhealthy(self, target: Target, resource: str, reason: str, unhealthy: bool = True) -> ActionResult:
        """Mark `resource` of `target` unhealthy (CHECK_FAILED): the stack's next update replaces it."""
        action = "mark-unhealthy" if unhealthy else "mark-healthy"
        self._check_read_only(action)

        async def call(client, rid):
            await client.mark_unhealthy(target.ref, resource, unhealthy, reason, request_id=rid)

        return await self._run(action, target, call, {"resource": resource, "reason": reason})

    async def signal(self, target: Target, resource: str, data: dict | None) -> ActionResult:
        """Signal `resource` (a wait condition handle and the like) with `data`. The data is journaled by
        its keys only: a signal may carry anything."""
        self._check_read_only("signal")

        async def call(client, rid):
            await client.signal_resource(target.ref, resource, data or {}, request_id=rid)

        return await self._run(
            "signal", target, call, {"resource": resource, "data keys": ",".join(sorted(data or {}))}
        )

    async def record(self, target: Target, action: str, outcome: str, message: str, parameters=None) -> int:
        """A step that sends nothing to Heat (a gate's result, a hold), journaled so the timeline shows it."""
        entry = await asyncio.to_thread(
            self.journal.begin,
            cloud=self.fleet.name,
            region=target.region,
            stack_name=target.name,
            stack_id=target.id,
            action=action,
            parameters=parameters,
            master_id=target.master_id,
        )
        await asyncio.to_thread(self.journal.finish, entry, outcome, message)
        return entry

    def _check_read_only(self, action: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: {action} is not allowed; nothing was sent")

    async def reapply(self, target: Target) -> ActionResult:
        """Update a stack with its own current template, environment and parameters (a PATCH of nothing)."""

        async def call(client, rid):
            await client.update_stack(
                target.ref, template=None, files=None, environment=None, parameters={}, existing=True, request_id=rid
            )

        return await self._run("reapply", target, call)

    async def adopt(
        self, target: Target, adopt_data: dict, files: dict, parameters: dict, hidden=frozenset(), action="rehome"
    ):
        """Create `target` in its region from existing resources: a master moved (core/master/rehome.py), or
        made over existing stacks (`action` "import", core/master/gather.py). Heat's policy is the same."""
        self._check_read_only(action)

        async def call(client, rid):
            return await client.adopt_stack(target.name, adopt_data, files, parameters, request_id=rid)

        return await self._run(action, target, call, parameters, hidden, policy="rehome")

    async def snapshot(self, target: Target, name: str | None = None) -> ActionResult:
        self._check_read_only("snapshot")

        async def call(client, rid):
            return await client.snapshot(target.ref, name, request_id=rid)

        return await self._run("snapshot", target, call, {"name": name} if name else None)

    async def restore(self, target: Target, snapshot_id: str) -> ActionResult:
        self._check_read_only("restore")

        async def call(client, rid):
            await client.restore(target.ref, snapshot_id, request_id=rid)

        return await self._run("restore", target, call, {"snapshot": snapshot_id})

    async def delete_snapshot(self, target: Target, snapshot_id: str) -> ActionResult:
        self._check_read_only("snapshot-delete")

        async def call(client, rid):
            await client.delete_snapshot(target.ref, snapshot_id, request_id=rid)

        return await self._run("snapshot-delete", target, call, {"snapshot": snapshot_id})

    async def abandon(self, target: Target) -> ActionResult:
        """Drop `target` from Heat, leaving everything it created (its constituents) as they are."""
        self._check_read_only("abandon")

        async def call(client, rid):
            await client.abandon_stack(target.ref, request_id=rid)

        return await self._run("abandon", target, call)

    async def delete(self, target: Target, confirmation: str, expected: str | None = None) -> ActionResult:
        """Delete only when the typed confirmation is what was asked for: the stack's name, unless
        `expected` (a master's delete asks for the number of stacks it deletes)."""
        self._check_allowed("delete")
        expected = expected or target.name
        if confirmation != expected:
            what = "the stack name" if expected == target.name else "the number of stacks deleted"
            raise ActionError(
                f"confirmation {confirmation!r} is not {what} {expected!r}: nothing was deleted",
                "unconfirmed",
            )

        async def call(client, rid):
            await client.delete_stack(target.ref, request_id=rid)

        return await self._run("delete", target, call)

    async def stack_action(self, target: Target, action: str) -> ActionResult:
        if action not in STACK_ACTIONS:
            raise ActionError(f"unknown action {action!r}", "invalid")

        async def call(client, rid):
            await client.stack_action(target.ref, action, request_id=rid)

        return await self._run(action, target, call)

    def complete(self, result: ActionResult, final_status: str) -> None:
        """Record how the action ended, after waiting for it."""
        if result.journal_id is None:
            return
        ok = not final_status.endswith("_FAILED")
        self.journal.finish(result.journal_id, OK if ok else FAILED, final_status, stack_id=result.stack_id)


def recent_journal(first: str, limit: int = 200) -> list:
    """The newest journal entries, every cloud's, their regions named as the console names them when `first`
    is the first cloud opened (a read of sqlite on disk: call it off the event loop)."""
    return named(Journal().entries(limit), first)
