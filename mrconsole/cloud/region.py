"""One region's Heat: a bulkhead of threads, a deadline on every call, health.

heatclient is synchronous. Each region gets its own small thread pool so a
hung region ties up only its own threads; every call is also bounded by an
asyncio deadline, so even a thread stuck in a socket read never holds back
the caller, another region or the UI.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from mrconsole.cloud import errors, request_log
from mrconsole.cloud.convert import field_of, to_detail, to_event, to_resource, to_stack
from mrconsole.cloud.errors import CloudError, InternalError
from mrconsole.cloud.health import RegionHealth
from mrconsole.models import Event, Resource, ResourceDetail, SecretLogin, Stack, StackDetail


@dataclass(frozen=True)
class Timeouts:
    connect: float = 3.0
    read: float = 10.0

    @property
    def deadline(self) -> float:
        """The most one call may take, whatever the socket does."""
        return self.connect + self.read + 1.0


def answer_field(body, key: str, region: str):
    """`body[key]` of an answer Heat sends as a JSON object. heatclient hands back the raw bytes of a body
    that is not JSON (cut short, or a proxy's page): that is the cloud's answer, not our bug."""
    if not isinstance(body, dict) or key not in body:
        raise CloudError(errors.UNAVAILABLE, "answered with a body that is not JSON, or cut short", region)
    return body[key]


# An answer asked ahead (RegionClient.ask_ahead) is taken only this soon after it was asked: later, the
# caller asks again (a console that took longer than this to build its screen sees the region as it is).
AHEAD_FRESH = 10.0

# How many stack names a region's client keeps by id (RegionClient.stack_ref): more than a region's stacks at
# the scale the console is measured at (20 x 100), a few hundred kilobytes at most.
KNOWN_NAMES = 10_000


class RegionClient:
    def __init__(
        self,
        region: str,
        session,
        *,
        endpoint_override: str | None = None,
        interface: str = "public",
        timeouts: Timeouts = Timeouts(),
        max_workers: int = 4,
        health: RegionHealth | None = None,
        catalog_region: str | None = None,
    ):
        self.region = region  # the console's name for it: CLOUD/REGION for a cloud opened beside the first
        self.catalog_region = catalog_region or region  # its name in its cloud's catalog
        self._session = session
        self._endpoint_override = endpoint_override
        self._interface = interface
        self.timeouts = timeouts
        self.health = health or RegionHealth(region)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=f"heat-{region}")
        self._heat = None
        self._endpoint: str | None = None  # the region's Heat URL from the catalog, found once
        self.calls = 0
        self._ahead: dict[str, tuple[Future, float]] = {}  # a read asked before it was wanted: key -> (answer, when)
        self._names: dict[str, str] = {}  # stack id -> its name, from what Heat answered (stack_ref)
        self._names_lock = threading.Lock()  # a list's conversion learns on a pool thread

    @property
    def session_verify(self):
        """The TLS verification of this region's session: a CA file, True, or False (off)."""
        return getattr(self._session, "verify", True)

    # -- plumbing ------------------------------------------------------------
    def _heat_endpoint(self) -> str | None:
        """The region's Heat endpoint: from clouds.yaml if given, else from the service catalog, once.
        Without it keystoneauth looks the endpoint up in the catalog at every request, and that lookup
        normalises every endpoint of every region: O(regions) CPU per request, O(regions^2) per look at
        the fleet (py-spy on the 20-region bench). The URL a catalog gives does not change with a new token
        of the same project, so it is kept; a lookup that fails is left to keystoneauth at each request."""
        if self._endpoint_override:
            return self._endpoint_override
        if self._endpoint is None and self._session.auth is not None:
            self._endpoint = self._session.get_endpoint(
                service_type="orchestration", region_name=self.catalog_region, interface=self._interface
            )
        return self._endpoint

    def _client(self, request_id: str | None = None, headers: dict | None = None):
        from heatclient import client as heat_client

        kwargs: dict[str, Any] = {
            "session": self._session,
            "region_name": self.catalog_region,
            "interface": self._interface,
        }
        endpoint = self._heat_endpoint()
        if endpoint:
            kwargs["endpoint_override"] = endpoint
        if request_id or headers:
            # A mutation gets its own client carrying the id the journal
            # records; Heat logs it as the global request id.
            client = heat_client.Client("1", global_request_id=request_id, **kwargs)
            if headers:
                client.http_client.additional_headers.update(headers)
            return client
        if self._heat is None:
            self._heat = heat_client.Client("1", **kwargs)
        return self._heat

    def _run(
        self,
        fn: Callable,
        convert: Callable | None,
        request_id: str | None = None,
        headers: dict | None = None,
        what: str = "request",
    ):
        """In a pool thread: call, re-authenticating once on 401, then convert the answer.
        Returns (result, error, seconds, answered): the error is a `CloudError` for what the cloud
        answered, an `InternalError` for a bug of ours; `answered` says the region did answer (so a
        bug in converting its answer still counts as an answer for its health)."""
        started = time.monotonic()
        with request_log.sending(self.region, request_id) as sent:
            try:
                try:
                    raw = fn(self._client(request_id, headers))
                except Exception as exc:  # mapped below: a 401 gets one more try, the rest is re-raised
                    mapped = errors.map_exception(exc, self.region)
                    if mapped.kind != errors.UNAUTHORIZED:
                        raise
                    # A token may have been revoked or expired: one fresh try.
                    self._session.invalidate()
                    raw = fn(self._client(request_id, headers))
            except Exception as exc:  # noqa: BLE001 - returned to call(), which logs a bug and raises either
                mapped = errors.map_exception(exc, self.region)
                if not sent.answered:  # no answer at all: the response hook saw nothing
                    sent.unanswered(what, time.monotonic() - started, mapped.message)
                return None, mapped, time.monotonic() - started, False
        elapsed = time.monotonic() - started
        if convert is None:
            return raw, None, elapsed, True
        try:
            return convert(raw), None, elapsed, True
        except CloudError as exc:  # the answer was not what Heat sends (convert checked its shape)
            return None, exc, elapsed, True
        except Exception as exc:  # noqa: BLE001 - the region answered; what failed is ours
            return None, InternalError(self.region, exc), elapsed, True

    async def call(
        self,
        fn: Callable,
        what: str = "request",
        request_id: str | None = None,
        headers: dict | None = None,
        convert: Callable | None = None,
        ahead: str | None = None,
    ):
        """Run fn(heatclient) in this region's pool, within the deadline, then convert(its answer).
        fn only talks to Heat (it must finish reading a paged answer: `list(...)`); convert is our
        code, so a failure there is an `InternalError`, never held against the region. `ahead`: the
        key of a read `ask_ahead` may have started already; its answer is taken instead of asking again
        when it was asked within AHEAD_FRESH seconds (once: the next call asks)."""
        loop = asyncio.get_running_loop()
        self.calls += 1
        asked = self._ahead.pop(ahead, None) if ahead else None
        if asked is not None and time.monotonic() - asked[1] <= AHEAD_FRESH:
            future = asyncio.wrap_future(asked[0], loop=loop)  # asked a moment ago (ask_ahead): its answer
        else:
            future = loop.run_in_executor(self._pool, self._run, fn, convert, request_id, headers, what)
        try:
            result, error, elapsed, answered = await asyncio.wait_for(future, self.timeouts.deadline)
        except TimeoutError:
            error = CloudError(
                errors.UNAVAILABLE, f"no answer within {self.timeouts.deadline:.0f}s ({what})", self.region
            )
            self.health.record_failure(error.message)
            raise error from None
        if error is None:
            self.health.record_success(elapsed * 1000.0)
            return result
        if isinstance(error, InternalError):
            # Our bug, not the region's: its traceback to the log; never counted as a failure of the region.
            if answered:
                self.health.record_success(elapsed * 1000.0)
            error.what = what
            errors.log_internal(error)
            raise error
        if error.kind == errors.UNAVAILABLE:
            self.health.record_failure(error.message)
        else:
            # The region answered; it is the request that was refused.
            self.health.record_success(elapsed * 1000.0)
        raise error

    def ask_ahead(self, key: str, fn: Callable, convert: Callable | None, what: str) -> None:
        """Start a read now, on this region's pool, from any thread and with no event loop running: the
        first `call(..., ahead=key)` takes its answer. For the console's start (core/live/head_start.py):
        its first questions go out while its screen is still being built."""
        self._ahead[key] = (self._pool.submit(self._run, fn, convert, None, None, what), time.monotonic())

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- reads ---------------------------------------------------------------
    async def credential_login(self, ref: str) -> SecretLogin:
        """What Heat would meet reading another cloud's login from Barbican secret `ref` in this region: a
        problem as one line ("" when nothing), and the Keystone the login is for (its auth_url, "" when it
        has none). Heat reads it with the master's context and this region's catalog (remote_stack.py
        `_get_from_secret`), then wants JSON with `auth_type` (a keystoneauth plugin) and `auth`
        (heat/common/auth_plugin.py). Nothing else of the payload leaves this method. A secret not there or
        not readable raises the CloudError Barbican's answer maps to."""

        def read(_heat) -> SecretLogin:
            headers = {"Accept": "text/plain"}
            where = {"service_type": "key-manager", "region_name": self.catalog_region, "interface": self._interface}
            if self._session.auth is not None and not _endpoint_or_none(self._session, where):
                # Heat makes its Barbican client from this region's catalog, whatever the ref (a URL too).
                return SecretLogin("this region's catalog has no key-manager (Barbican) for Heat to read it from", "")
            if ref.startswith(("http://", "https://")):
                answer = self._session.get(ref.rstrip("/") + "/payload", headers=headers)
            else:
                answer = self._session.get(
                    f"/v1/secrets/{ref}/payload",
                    headers=headers,
                    endpoint_filter=where,
                )
            return SecretLogin(credential_shape_problem(answer.text), credential_auth_url(answer.text))

        return await self.call(read, "read a credential secret")

    async def probe(self) -> None:
        """The cheapest authenticated call: one stack, if any."""
        await self.call(lambda hc: list(hc.stacks.list(limit=1)), "probe")

    async def list_stacks(
        self,
        filters: dict | None = None,
        sort_keys: str | None = None,
        sort_dir: str | None = None,
        limit: int | None = None,
        show_nested: bool = False,
        marker: str | None = None,
        show_deleted: bool = False,
    ) -> list[Stack]:
        """One stack list. With `limit`, one page of at most that many, in one request (continue from
        `marker`, the last id of the page before: the caller pages); without it, Heat returns every
        stack in one answer.

        Not heatclient's `StackManager.list` with a limit: it takes a page shorter than the limit for a
        server's cap and asks again from its last row, so every such page cost a second request, empty on
        Heat, whose stack list has no cap (heat/db/api.py stack_get_all pages by the limit as given): the
        first list of every region at start and each look at a region holding fewer stacks than a look's
        page (core/live/watch.py) were two requests each."""
        key, fn, convert = self._stack_list(filters, sort_keys, sort_dir, limit, show_nested, marker, show_deleted)
        return await self.call(fn, "stack list", convert=convert, ahead=key)

    def ask_stacks_ahead(self, **question) -> None:
        """`list_stacks(**question)` started now (ask_ahead): the first such call takes its answer."""
        self.ask_ahead(*self._stack_list(**question), "stack list")

    def _stack_list(
        self,
        filters: dict | None = None,
        sort_keys: str | None = None,
        sort_dir: str | None = None,
        limit: int | None = None,
        show_nested: bool = False,
        marker: str | None = None,
        show_deleted: bool = False,
    ) -> tuple[str, Callable, Callable]:
        """(the question as a key, the call, the conversion) of one stack list."""
        given = {
            "sort_keys": sort_keys,
            "sort_dir": sort_dir,
            "limit": limit,
            "marker": marker,
            "show_nested": show_nested,
            "show_deleted": show_deleted,
        }
        rest = {name: value for name, value in given.items() if value}
        params: dict[str, Any] = {**(filters or {}), **rest}  # as heatclient builds them: filters, then the rest
        query = urlencode(params, True)

        def fn(hc):
            if limit:
                return hc.stacks._list(f"/stacks?{query}", "stacks")  # one page
            return list(hc.stacks.list(filters=dict(filters or {}), **rest))

        return (
            "stacks?" + urlencode(sorted(params.items()), True),
            fn,
            lambda items: self._learn([to_stack(self.region, s) for s in items]),
        )

    def _learn(self, stacks: list[Stack]) -> list[Stack]:
        """Keep each stack's name by its id (stack_ref). O(stacks answered); the oldest forgotten past KNOWN_NAMES.
        Called on the region's pool threads (a list's conversion) and on the event loop (a read)."""
        with self._names_lock:
            for stack in stacks:
                self._names[stack.id] = stack.name
            while len(self._names) > KNOWN_NAMES:
                del self._names[next(iter(self._names))]
        return stacks

    def stack_ref(self, name_or_id: str) -> str:
        """`NAME/ID` for a stack id whose name this client has seen, else what was given. Heat answers a
        stack asked by id alone with a redirect to NAME/ID (its API's lookup: a database read), so a read by
        id costs two requests and NAME/ID one. A stack's name never changes in Heat, and Heat shows NAME/ID
        exactly as it shows the id (a deleted stack too: heat/engine/service.py show_stack, _get_stack)."""
        name = self._names.get(name_or_id)
        return f"{name}/{name_or_id}" if name else name_or_id

    async def get_stack(self, name_or_id: str, outputs: bool = True) -> StackDetail:
        """outputs=False: Heat does not resolve the outputs. For a reader that needs only the stack, this
        saves Heat the work: a master's outputs that read its constituents' make Heat ask each
        constituent's region (RemoteStack._resolve_attribute) unless it has them cached."""
        # heatclient puts it in the URL as is: 'prod#x' would ask for 'prod'
        ref = quote(self.stack_ref(name_or_id), safe="/")
        detail = await self.call(
            lambda hc: hc.stacks.get(ref, resolve_outputs=outputs),
            "stack show",
            convert=lambda s: to_detail(self.region, s),
        )
        self._learn([detail.stack])
        return detail

    async def find_stack(self, name_or_id: str, outputs: bool = True) -> StackDetail | None:
        """The stack named (or with the id) asked for, or None: a stack Heat found under another name is
        not it (#33). `outputs=False`: without its outputs (get_stack)."""
        try:
            found = await self.get_stack(name_or_id, outputs=outputs)
        except CloudError as exc:
            if exc.kind == errors.NOT_FOUND:
                return None
            raise
        name, _, ident = name_or_id.partition("/")
        if name not in (found.stack.name, found.stack.id) or (ident and ident != found.stack.id):
            return None
        return found

    async def resources(self, stack: Stack, nested_depth: int = 0) -> list[Resource]:
        def fn(hc):
            return list(hc.resources.list(f"{stack.name}/{stack.id}", nested_depth=nested_depth or None))

        return await self.call(
            fn, "resource list", convert=lambda items: [to_resource(self.region, stack, r) for r in items]
        )

    async def resource(self, stack: Stack, name: str) -> ResourceDetail:
        """One resource with its attributes (GET .../resources/{name}) and metadata: 2 requests."""

        ref = f"{stack.name}/{stack.id}"

        def fn(hc):
            return hc.resources.get(ref, name), hc.resources.metadata(ref, name)

        def convert(pair):
            r, metadata = pair
            attributes = field_of(r, "attributes") or {}
            return ResourceDetail(
                to_resource(self.region, stack, r),
                attributes=dict(attributes) if isinstance(attributes, dict) else {},
                metadata=dict(metadata) if isinstance(metadata, dict) else {},
                description=field_of(r, "description") or "",
            )

        return await self.call(fn, "resource show", convert=convert)

    async def mark_unhealthy(
        self, ref: str, resource: str, unhealthy: bool, reason: str, request_id: str | None = None
    ) -> None:
        """PATCH .../resources/{resource} {mark_unhealthy, resource_status_reason}: Heat marks it
        CHECK_FAILED, and the stack's next update replaces it."""
        ref = self.stack_ref(ref)
        await self.call(
            lambda hc: hc.resources.mark_unhealthy(ref, resource, unhealthy, reason),
            "resource mark unhealthy",
            request_id,
        )

    async def template_versions(self) -> frozenset[str]:
        """GET /template_versions: every version this region's Heat takes, with its aliases
        ("heat_template_version.2018-08-31", "heat_template_version.rocky", ...)."""

        def convert(items):
            out: set[str] = set()
            for v in items:
                out.add(field_of(v, "version") or "")
                out.update(field_of(v, "aliases") or [])
            return frozenset(x for x in out if x)

        return await self.call(lambda hc: list(hc.template_versions.list()), "template versions", convert=convert)

    async def resource_types(self) -> frozenset[str]:
        """GET /resource_types: the types this region's Heat offers this user."""

        def convert(items):
            return frozenset((i if isinstance(i, str) else field_of(i, "resource_type") or "") for i in items) - {""}

        return await self.call(lambda hc: list(hc.resource_types.list()), "resource types", convert=convert)

    async def template(self, stack: Stack) -> dict:
        return await self.call(lambda hc: hc.stacks.template(f"{stack.name}/{stack.id}"), "template show")

    async def environment(self, stack: Stack) -> dict:
        return await self.call(lambda hc: hc.stacks.environment(f"{stack.name}/{stack.id}"), "environment show")

    async def export(self, stack: Stack) -> dict:
        """Heat's abandon data without abandoning (`stack export`; needs enable_stack_abandon): the
        template, files, environment and each resource's id: what adopt takes."""

        def convert(body):
            if not isinstance(body, dict) or "resources" not in body or "template" not in body:
                raise CloudError(errors.UNAVAILABLE, "answered an export without resources or template", self.region)
            return body

        return await self.call(lambda hc: hc.stacks.export(f"{stack.name}/{stack.id}"), "stack export", convert=convert)

    async def files(self, stack: Stack) -> dict:
        return await self.call(lambda hc: hc.stacks.files(f"{stack.name}/{stack.id}"), "stack files")

    async def events(
        self,
        stack_name: str,
        stack_id: str,
        *,
        marker: str | None = None,
        limit: int | None = None,
        sort_dir: str = "asc",
        nested_depth: int | None = None,
        filters: dict | None = None,
    ) -> list[Event]:
        def fn(hc):
            kwargs: dict[str, Any] = {"sort_dir": sort_dir}
            if marker:
                kwargs["marker"] = marker
            if limit:
                kwargs["limit"] = limit
            if nested_depth:
                kwargs["nested_depth"] = nested_depth
            if filters:
                kwargs["filters"] = filters
            # name/id in the path avoids Heat's 302 redirect from a bare name.
            return list(hc.events.list(f"{stack_name}/{stack_id}", **kwargs))

        return await self.call(
            fn, "event list", convert=lambda items: [to_event(self.region, stack_name, stack_id, e) for e in items]
        )

    # -- template checks -----------------------------------------------------
    async def validate(
        self, template: dict, files: dict | None = None, environment: dict | None = None, parameters: dict | None = None
    ) -> dict:
        def fn(hc):
            return hc.stacks.validate(
                template=template, files=files or {}, environment=environment or {}, parameters=parameters or {}
            )

        return await self.call(fn, "template validate")

    async def preview(
        self,
        name: str,
        template: dict,
        files: dict | None = None,
        environment: dict | None = None,
        parameters: dict | None = None,
    ) -> dict:
        def fn(hc):
            result = hc.stacks.preview(
                stack_name=name,
                template=template,
                files=files or {},
                environment=environment or {},
                parameters=parameters or {},
            )
            return result.to_dict() if hasattr(result, "to_dict") else result

        return await self.call(fn, "stack preview")

    async def preview_update(
        self,
        ref: str,
        parameters: dict | None = None,
        *,
        template: dict | None = None,
        files: dict | None = None,
        environment: dict | None = None,
    ) -> dict[str, list[str]]:
        """Heat's own plan for an update (nothing changes): resource names by
        kind of change (added, deleted, replaced, updated, unchanged). Without
        a template, a PATCH of `parameters`; with one, a full update."""
        ref = self.stack_ref(ref)

        def fn(hc):
            if template is None:
                body = hc.stacks.preview_update(ref, existing=True, parameters=parameters or {})
            else:
                body = hc.stacks.preview_update(
                    ref,
                    template=template,
                    files=files or {},
                    environment=environment or {},
                    parameters=parameters or {},
                )
            return body

        def convert(body):
            changes = body.get("resource_changes", {}) if isinstance(body, dict) else {}
            return {
                kind: sorted(str(r.get("resource_name", "?")) for r in items if isinstance(r, dict))
                for kind, items in changes.items()
                if isinstance(items, list)
            }

        return await self.call(fn, "stack update preview", convert=convert)

    # -- mutations (reached only through core.acting.actions, which journals them) --
    async def create_stack(
        self,
        name: str,
        template: dict,
        *,
        files=None,
        environment=None,
        parameters=None,
        timeout_mins=None,
        disable_rollback=True,
        tags: list[str] | None = None,
        request_id: str | None = None,
        deferred_auth: tuple[str, str] | None = None,
    ) -> dict:
        """deferred_auth: (username, password) for a cloud whose Heat stores
        passwords (`deferred_auth_method = password`): it refuses stacks with
        nested stacks unless the create carries them. Never logged."""
        headers = {"X-Auth-User": deferred_auth[0], "X-Auth-Key": deferred_auth[1]} if deferred_auth else None

        def fn(hc):
            fields = dict(
                stack_name=name,
                template=template,
                files=files or {},
                environment=environment or {},
                parameters=parameters or {},
                disable_rollback=disable_rollback,
            )
            if timeout_mins:
                fields["timeout_mins"] = timeout_mins
            if tags:
                fields["tags"] = ",".join(tags)
            return hc.stacks.create(**fields)

        return await self.call(
            fn, "stack create", request_id, headers, convert=lambda body: answer_field(body, "stack", self.region)
        )

    async def update_stack(
        self,
        ref: str,
        *,
        template=None,
        files=None,
        environment=None,
        parameters=None,
        existing: bool = False,
        timeout_mins=None,
        request_id: str | None = None,
    ) -> None:
        ref = self.stack_ref(ref)

        def fn(hc):
            fields: dict[str, Any] = {"parameters": parameters or {}}
            if existing:
                fields["existing"] = True
            if template is not None:
                fields["template"] = template
                fields["files"] = files or {}
            if environment is not None:
                fields["environment"] = environment
            if timeout_mins:
                fields["timeout_mins"] = timeout_mins
            hc.stacks.update(ref, **fields)

        await self.call(fn, "stack update", request_id)

    async def adopt_stack(
        self, name: str, adopt_data: dict, files: dict, parameters: dict, request_id: str | None = None
    ) -> dict:
        """A stack created from existing resources (`stack adopt`; needs enable_stack_adopt): each resource
        takes the `resource_id` the data gives; nothing is created or touched. The data's environment is
        sent as the request's own: Heat's API takes the template from the adopt data but the environment
        only from the request (heat/api/openstack/v1/stacks.py InstantiationData.environment), so without it
        the new stack would lose its parameter defaults, its resource registry and the records it holds."""

        def fn(hc):
            return hc.stacks.create(
                stack_name=name,
                adopt_stack_data=json.dumps(adopt_data),
                files=files,
                parameters=parameters,
                environment=adopt_data.get("environment") or {},
                disable_rollback=True,
            )

        return await self.call(
            fn, "stack adopt", request_id, convert=lambda body: answer_field(body, "stack", self.region)
        )

    async def snapshots(self, stack: Stack) -> list[dict]:
        """The stack's snapshots (id, name, status, creation_time), newest first as Heat lists them."""

        def convert(body):
            items = body.get("snapshots") if isinstance(body, dict) else body
            if not isinstance(items, list):
                raise CloudError(errors.UNAVAILABLE, "answered a snapshot list that is not a list", self.region)
            return [
                {k: i.get(k) for k in ("id", "name", "status", "status_reason", "creation_time")}
                for i in items
                if isinstance(i, dict)
            ]

        return await self.call(
            lambda hc: hc.stacks.snapshot_list(f"{stack.name}/{stack.id}"), "snapshot list", convert=convert
        )

    async def snapshot(self, ref: str, name: str | None, request_id: str | None = None) -> dict:
        ref = self.stack_ref(ref)
        return await self.call(lambda hc: hc.stacks.snapshot(ref, name), "stack snapshot", request_id)

    async def restore(self, ref: str, snapshot_id: str, request_id: str | None = None) -> None:
        ref = self.stack_ref(ref)
        await self.call(lambda hc: hc.stacks.restore(ref, snapshot_id), "snapshot restore", request_id)

    async def delete_snapshot(self, ref: str, snapshot_id: str, request_id: str | None = None) -> None:
        ref = self.stack_ref(ref)
        await self.call(lambda hc: hc.stacks.snapshot_delete(ref, snapshot_id), "snapshot delete", request_id)

    async def abandon_stack(self, ref: str, request_id: str | None = None) -> None:
        """Delete a stack from Heat and leave its resources (`stack abandon`; needs enable_stack_abandon)."""
        ref = self.stack_ref(ref)
        await self.call(lambda hc: hc.stacks.abandon(ref), "stack abandon", request_id)

    async def delete_stack(self, ref: str, request_id: str | None = None) -> None:
        ref = self.stack_ref(ref)
        await self.call(lambda hc: hc.stacks.delete(ref), "stack delete", request_id)

    async def signal_resource(self, ref: str, resource: str, data: dict, request_id: str | None = None) -> None:
        """POST .../resources/{resource}/signal: `{"unset_hook": "pre-update"}` releases a breakpoint
        (what `openstack stack hook clear` sends)."""
        ref = self.stack_ref(ref)
        await self.call(lambda hc: hc.resources.signal(ref, resource, data=data), "resource signal", request_id)

    async def stack_action(self, ref: str, action: str, request_id: str | None = None) -> None:
        ref = self.stack_ref(ref)
        methods = {
            "suspend": "suspend",
            "resume": "resume",
            "check": "check",
            "cancel_update": "cancel_update",
            "cancel_without_rollback": "cancel_without_rollback",
        }
        if action not in methods:
            raise ValueError(f"unknown stack action {action!r}")
        await self.call(lambda hc: getattr(hc.actions, methods[action])(ref), f"stack {action}", request_id)

    # -- software configs: a record kept in Heat beside the stacks -------------
    # An operation that leaves a stack's data nowhere else for a while (an evict, between its abandon and
    # its adopt) keeps it here: Heat stores a software config per project until it is deleted, any operator
    # of the project reads it, and it is no stack (nothing in a region's stack list).
    async def create_software_config(self, name: str, config: str, request_id: str | None = None) -> str:
        """The new software config's id."""
        return await self.call(
            lambda hc: hc.software_configs.create(name=name, config=config, group="Heat::Ungrouped").id,
            "software config create",
            request_id,
        )

    async def software_configs_named(self, name: str, page: int = 100) -> list[str]:
        """The ids of the software configs called `name`, oldest first. Heat's list has no filter by name:
        read by pages of `page` (cost: configs / page requests)."""

        def fn(hc):
            ids, marker = [], None
            while True:
                batch = list(hc.software_configs.list(limit=page, **({"marker": marker} if marker else {})))
                ids += [c.id for c in batch if getattr(c, "name", None) == name]
                if len(batch) < page:
                    return ids
                marker = batch[-1].id

        return await self.call(fn, "software config list")

    async def software_config(self, config_id: str) -> str:
        """What a software config holds (its `config`)."""
        return await self.call(lambda hc: hc.software_configs.get(config_id).config or "", "software config show")

    async def delete_software_config(self, config_id: str, request_id: str | None = None) -> None:
        await self.call(lambda hc: hc.software_configs.delete(config_id), "software config delete", request_id)

    # -- policy --------------------------------------------------------------
    async def policy_probe(self, action: str) -> str | None:
        """Whether Heat's policy lets this user do `action` here, asked with a request that does nothing:
        Heat enforces an API's policy before it looks the stack up (heat/api/openstack/v1/util.py
        `registered_policy_enforce`), so a request on a stack that does not exist answers 403 when the
        policy refuses and 404 (or 400, for a body it cannot use) when it allows. Returns None when
        allowed, Heat's refusal otherwise. One request."""
        method, path, body = POLICY_PROBES[action]
        from heatclient import exc as heat_exc

        def fn(hc):
            kwargs = {"data": body} if body is not None else {}
            try:
                hc.http_client.request(path, method, **kwargs)
            except heat_exc.HTTPForbidden as exc:
                return errors.heat_message(exc)
            except (heat_exc.HTTPNotFound, heat_exc.HTTPBadRequest):
                return None
            return None  # 2xx: nothing of ours answers so; allowed, as far as the policy goes

        return await self.call(fn, f"policy of {action}")


# A stack that cannot exist (Heat's ids are uuid4: this one is the nil uuid), and for each action the
# console sends, the request Heat checks the same policy for (heat/policies/, heat/api/openstack/v1/).
_NOBODY = "/stacks/mrconsole-policy-probe/00000000-0000-0000-0000-000000000000"
POLICY_PROBES: dict[str, tuple[str, str, dict | None]] = {
    "create": ("POST", "/stacks", {}),  # stacks:create (adopt too); 400 "no stack name" when allowed
    "validate": ("POST", "/validate", {}),  # stacks:validate_template; 400 "no template" when allowed
    "update": ("PUT", _NOBODY, {}),  # stacks:update
    "update_patch": ("PATCH", _NOBODY, {}),  # stacks:update_patch
    "preview_update": ("PUT", _NOBODY + "/preview", {}),  # stacks:preview_update
    "preview_update_patch": ("PATCH", _NOBODY + "/preview", {}),  # stacks:preview_update_patch
    "delete": ("DELETE", _NOBODY, None),  # stacks:delete
    "abandon": ("DELETE", _NOBODY + "/abandon", None),  # stacks:abandon
    "export": ("GET", _NOBODY + "/export", None),  # stacks:export
    "snapshot": ("POST", _NOBODY + "/snapshots", {}),  # stacks:snapshot
    "restore_snapshot": ("POST", _NOBODY + "/snapshots/nil/restore", {}),  # stacks:restore_snapshot
    "delete_snapshot": ("DELETE", _NOBODY + "/snapshots/nil", None),  # stacks:delete_snapshot
    "mark_unhealthy": ("PATCH", _NOBODY + "/resources/nil", {"mark_unhealthy": True}),  # resource:mark_unhealthy
    "signal": ("POST", _NOBODY + "/resources/nil/signal", {}),  # resource:signal
    **{
        a: ("POST", _NOBODY + "/actions", {a: None})
        for a in ("suspend", "resume", "check", "cancel_update", "cancel_without_rollback")
    },  # actions:<a>
}


async def default_trust_problem(url: str, timeouts: Timeouts) -> str:
    """Whether this machine's default trust (certifi's CAs, no clouds.yaml `cacert`, no environment) accepts
    the certificate an https `url` presents: "" when it does, when `url` is not https, or when it does not
    answer (nothing can be said); else the TLS refusal as one line. One request, no credential sent."""
    import certifi
    import requests

    if not url.lower().startswith("https://"):
        return ""
    loop = asyncio.get_running_loop()

    def ask() -> str:
        with requests.Session() as session:
            session.trust_env = False
            try:
                session.get(url, timeout=(timeouts.connect, timeouts.read), verify=certifi.where())
            except requests.exceptions.SSLError as exc:
                why = re.search(r"certificate verify failed: ([^(]+?)\s*\(_ssl", str(exc))
                return f"the default CAs do not accept its certificate ({why.group(1) if why else 'TLS failed'})"
            except requests.exceptions.RequestException:
                return ""
        return ""

    return await loop.run_in_executor(None, ask)


def _endpoint_or_none(session, where: dict) -> str | None:
    """A service's URL from the session's catalog, or None when the catalog has none there."""
    from keystoneauth1 import exceptions as kexc

    try:
        return session.get_endpoint(**where)
    except kexc.EndpointNotFound:
        return None


def credential_auth_url(text: str) -> str:
    """The Keystone a credential secret's login is for (`auth.auth_url`), or "": the one part of the secret
    that is not secret, kept to say which cloud it points to."""
    try:
        cred = json.loads(text)
    except ValueError:
        return ""
    auth = cred.get("auth") if isinstance(cred, dict) else None
    url = auth.get("auth_url") if isinstance(auth, dict) else None
    return url if isinstance(url, str) else ""


def credential_shape_problem(text: str) -> str:
    """What Heat would make of a credential secret's text (heat/common/auth_plugin.py: JSON with `auth_type`, a
    keystoneauth plugin's name, and `auth`), as one line; "" when it is a login Heat can load. Never echoes
    the text: it is the secret."""
    from keystoneauth1 import loading

    try:
        cred = json.loads(text)
    except ValueError:
        return "its payload is not JSON"
    if not isinstance(cred, dict) or not {"auth_type", "auth"} <= set(cred):
        return "its payload lacks auth_type or auth"
    try:
        loading.get_plugin_loader(str(cred["auth_type"]))
    except Exception:  # noqa: BLE001 - keystoneauth's NoMatchingPlugin: an unknown plugin name
        return "its auth_type is not a keystoneauth plugin"
    if not isinstance(cred["auth"], dict):
        return "its auth is not a mapping of the plugin's options"
    return ""
