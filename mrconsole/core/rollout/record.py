"""An operation's record, kept in Heat with the operation itself (#36).

What another operator needs to see and finish a rollout (its id, who started
it and when, the waves, the change's kind, the values before, hidden values
excepted) travels in the same PATCH as the change: the master's environment,
`parameter_defaults: {mrconsole_operations: [RECORD, ...]}`, newest first, at
most HISTORY of them. Any operator of the project reads it back with the
master's environment (which the rollout's status reads anyway: no extra
request), from any machine; the local journal stays the record of what this
machine sent.

Why there, checked on Heat 27 (tests/lab/test_operations.py pins each):
- a PATCH merges the environment sent into the stored one, and keeps a
  `parameter_defaults` entry that names no parameter of the template
  (heat/engine/service.py _parse_template_and_validate drops unknown
  `parameters` only); the master's environment is copied into every
  constituent, where an unknown default is ignored as well;
- a full update (`stack update -t` without --existing) sends a new
  environment: the records go with it (that is not a rollout);
- Heat's own rollback (a cancelled update) restores the previous environment,
  so the record of the cancelled rollout goes with it: the rollback writes it
  again with its end (core/rollout/run.py), in an update that changes no
  resource.

A move and an evict write theirs into the environment of the adopt that makes
the new master (the adopt data's environment is the new master's: every record
the old one held goes with it), already ended: the adopt is their one request
to the master, and Heat's status of it (ADOPT_COMPLETE or not) says whether it
did what the record says (core/diagnosis/operations.py).

A take-over cannot be written to Heat while the master's update runs (a PATCH
then would start another traversal), so it is journaled here and reaches Heat
with the taker's next update of the master (the clean-up or the rollback).
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime

from mrconsole import config
from mrconsole.state.journal import sounds_secret

RECORD_KEY = "mrconsole_operations"
HISTORY = 10  # records kept in the environment: each a few hundred bytes, copied into every constituent
RUNNING, DONE, ROLLED_BACK, STOPPED = "running", "done", "rolled back", "stopped"


@dataclass(frozen=True)
class OperationRecord:
    id: str
    kind: str  # "rollout", "move", "evict"
    by: str  # user@host of the operator who started it
    operator: str  # that operator's state directory (config.state_dir), by its id: who may act without --take-over
    started: str  # ISO 8601, UTC
    waves: tuple[tuple[str, ...], ...] = ()
    change: str = ""  # the change's kind: parameters, template, reapply
    previous: dict[str, str] = field(default_factory=dict)  # values before, hidden ones never
    state: str = RUNNING
    ended: str = ""
    taken_over_by: str = ""  # user@host of the operator who took it over, when one did
    taken_over_operator: str = ""
    results: dict[str, str] = field(default_factory=dict)  # region -> updated / failed / held, at the end
    soak: float = 0.0  # the gate's soak, for a take-over that gates a wave again

    def to_dict(self) -> dict:
        out = asdict(self)
        out["waves"] = [list(w) for w in self.waves]
        return out

    @classmethod
    def from_dict(cls, data) -> OperationRecord | None:
        """Lenient: a record another version wrote, or text someone edited by hand, is read as far as it can
        be; one without an id or a kind is not a record."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("kind"), str):
            return None

        def text(key: str) -> str:
            value = data.get(key, "")
            return value if isinstance(value, str) else str(value)

        def mapping(key: str) -> dict[str, str]:
            value = data.get(key)
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

        waves = data.get("waves")
        return cls(
            id=text("id"),
            kind=text("kind"),
            by=text("by"),
            operator=text("operator"),
            started=text("started"),
            waves=tuple(tuple(str(r) for r in w) for w in waves if isinstance(w, list))
            if isinstance(waves, list)
            else (),
            change=text("change"),
            previous=mapping("previous"),
            state=text("state") or RUNNING,
            ended=text("ended"),
            taken_over_by=text("taken_over_by"),
            taken_over_operator=text("taken_over_operator"),
            results=mapping("results"),
            soak=_seconds(data.get("soak")),
        )

    @property
    def owner(self) -> str:
        """The operator acting on it now: the one who took it over, else the one who started it."""
        return self.taken_over_operator or self.operator

    @property
    def owner_name(self) -> str:
        return self.taken_over_by or self.by

    def age(self, now: float | None = None) -> str:
        """How long ago it started, in words ("12 min ago"). `time.time()`: what a replayed screen sets."""
        try:
            started = datetime.fromisoformat(self.started)
        except ValueError:
            return "at an unknown time"
        seconds = max(0.0, (time.time() if now is None else now) - started.timestamp())
        if seconds < 90:
            return f"{seconds:.0f} s ago"
        if seconds < 90 * 60:
            return f"{seconds / 60:.0f} min ago"
        return f"{seconds / 3600:.1f} h ago"

    def describe(self) -> str:
        """One line: `rollout op-1a2b3c by alice@laptop, started 12 min ago (taken over by bob@desk)`."""
        line = f"{self.kind} {self.id} by {self.by}, started {self.age()}"
        if self.taken_over_by:
            line += f" (taken over by {self.taken_over_by})"
        return line

    def whose(self) -> str:
        """Whose it is, for a refusal: the same user@host from another state directory is said as such."""
        if self.owner != operator_id() and self.owner_name == who():
            return f"{self.owner_name}'s (another state directory: another operator)"
        return f"{self.owner_name}'s"

    def ended_as(self, state: str, results: dict[str, str] | None = None) -> OperationRecord:
        return replace(self, state=state, ended=now_iso(), results=dict(results or self.results))

    def taken_over(self) -> OperationRecord:
        return replace(self, taken_over_by=who(), taken_over_operator=operator_id())


def _seconds(value) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return 0.0
    return seconds if 0 <= seconds <= 86400 else 0.0


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def who() -> str:
    """user@host: how another operator is told who started an operation."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def operator_id() -> str:
    """This operator's id: made once per state directory (XDG_STATE_HOME), so two machines, or two state
    directories on one, are two operators. Not a secret: it only says whose operation is whose."""
    path = config.state_dir() / "operator-id"
    try:
        value = path.read_text().strip()
    except OSError:
        value = ""
    if not value:
        value = uuid.uuid4().hex[:16]
        path.write_text(value + "\n")
        path.chmod(0o600)
    return value


def new_record(
    kind: str, waves: tuple[tuple[str, ...], ...], change: str, previous: dict[str, str], soak: float = 0.0
) -> OperationRecord:
    """A new operation's record. `previous` holds no hidden value (the plan leaves them out); a value whose
    name says a secret is left out too, as the journal masks it: the record is readable by every user of
    the project."""
    return OperationRecord(
        id=f"op-{uuid.uuid4().hex[:8]}",
        kind=kind,
        by=who(),
        operator=operator_id(),
        started=now_iso(),
        waves=waves,
        change=change,
        previous={k: v for k, v in previous.items() if not sounds_secret(k)},
        soak=soak,
    )


def records_in(environment: dict | None) -> tuple[OperationRecord, ...]:
    """The records in a stack's environment, newest first (none when it holds none, or not a list)."""
    value = ((environment or {}).get("parameter_defaults") or {}).get(RECORD_KEY)
    if not isinstance(value, list):
        return ()
    return tuple(r for r in (OperationRecord.from_dict(item) for item in value) if r is not None)


def with_record(records: tuple[OperationRecord, ...], record: OperationRecord) -> dict:
    """The `parameter_defaults` a PATCH sends to store `record`: it replaces the record of the same id, or
    goes first; the oldest beyond HISTORY are dropped."""
    rest = [r for r in records if r.id != record.id]
    kept = [record, *rest][:HISTORY]
    return {RECORD_KEY: [r.to_dict() for r in kept]}


def adopt_record(kind: str, change: str, results: dict[str, str]) -> OperationRecord:
    """The record of an operation whose last request makes the new master by adopt (a move, an evict),
    written ended (see the module's docstring)."""
    return new_record(kind, (), change, {}).ended_as(DONE, results)


def environment_with(environment: dict | None, record: OperationRecord) -> dict:
    """`environment` with `record` first among the records it holds (a new master's adopt data)."""
    env = dict(environment or {})
    env["parameter_defaults"] = {**(env.get("parameter_defaults") or {}), **with_record(records_in(env), record)}
    return env
