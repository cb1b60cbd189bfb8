"""`mrconsole stack list` and `mrconsole stack show STACK`: what `openstack stack list|show` say, across every
region of the cloud(s) at once, each stack with its region and the master that owns it.

Fields are named as `openstack stack show -f json` names them (`stack_name`, `stack_status`,
`stack_status_reason`, `creation_time`, `updated_time`, ...), so `-c stack_status` reads the same in a script
written for `openstack` and in both commands here; `region` and `master` are this console's own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter

from mrconsole.cli.cloudargs import add_cloud_arguments, find_one, open_fleet, refuse_unknown_regions
from mrconsole.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    print_json,
    print_table,
    stack_ref,
)
from mrconsole.cli.output import add_format
from mrconsole.core.connect import TopologyCache
from mrconsole.core.diagnosis.masking import masked_outputs
from mrconsole.core.errors import INTERNAL_MESSAGE, InternalError
from mrconsole.core.live.session import owner_by_name
from mrconsole.core.master.ownership import owner_of
from mrconsole.core.master.topology import template_or_none
from mrconsole.core.text import when
from mrconsole.models import HIDDEN, Stack, StackDetail

LIST_EPILOG = """exit codes:
  0  every region asked answered
  1  error (bad credentials)
  2  bad invocation (unknown cloud or region)
  3  a region did not answer: its stacks are missing from the list (named on stderr)
"""
SHOW_EPILOG = """exit codes:
  0  shown
  1  not found in any region, or an error
  2  bad invocation, or the name is in several regions (pick one with --region)
  3  not found, and a region that may hold it did not answer
"""


def add_parsers(ssub) -> None:
    """`list` and `show` under `mrconsole stack`."""
    lp = ssub.add_parser(
        "list",
        help="every region's stacks, one row each (as `openstack stack list`, across regions)",
        description="List the stacks of every region (or of each --region), with the master that owns each "
        "by Heat's naming (<master>-<resource>-<12 chars>; `stack show` checks it against the master's "
        "resources). Read-only: nothing is changed.",
        epilog=LIST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_cloud_arguments(lp)
    add_format(lp, ("table", "json"), "table")
    lp.set_defaults(func=cmd_list)
    sp = ssub.add_parser(
        "show",
        help="one stack, wherever it is: status, parameters, outputs, its master (as `openstack stack show`)",
        description="Show one stack, found by name or id in every region (or in each --region): its status "
        "and reason, times, parameters (hidden ones as Heat masks them), outputs, and the master that owns "
        "it, checked against that master's resources. An output that reads a hidden parameter is masked "
        "(Heat shows it in clear). Read-only: nothing is changed.",
        epilog=SHOW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sp.add_argument("name", metavar="STACK", type=stack_ref)
    add_cloud_arguments(sp)
    add_format(sp, ("table", "json"), "table")
    sp.set_defaults(func=cmd_show)


def cmd_list(args) -> int:
    return asyncio.run(_list(args))


def cmd_show(args) -> int:
    return asyncio.run(_show(args))


async def _list(args) -> int:
    """Cost: one stack list per region asked (concurrently); the masters come from the names listed."""
    fleet = await open_fleet(args, every_region=True)
    try:
        refuse_unknown_regions(fleet, args.regions)
        listing = await fleet.list_stacks(args.regions or None)
    finally:
        fleet.close()
    stacks = [s for rs in listing.values() for s in rs.stacks]
    names = Counter(s.name for s in stacks)
    rows = [{**_fields(s), "master": owner_by_name(None, names, s)} for s in stacks]
    if args.format == "json":
        print_json(rows)
    else:
        print_table(
            ["REGION", "STACK", "STATUS", "UPDATED", "MASTER"],
            [[r["region"], r["stack_name"], r["stack_status"], when(s.changed_time), r["master"] or "-"]
             for r, s in zip(rows, stacks, strict=True)],
        )  # fmt: skip
    failed = {region: rs.error for region, rs in listing.items() if rs.error}
    for region, error in failed.items():
        if isinstance(error, InternalError):  # our bug, not an outage: the run fails (see mrconsole.log)
            print(f"mrconsole: error: {region}: {INTERNAL_MESSAGE}", file=sys.stderr)
        else:
            print(f"mrconsole: warning: {region} did not answer ({error.message}): its stacks are not listed",
                  file=sys.stderr)  # fmt: skip
    if any(isinstance(e, InternalError) for e in failed.values()):
        return EXIT_FAILED
    return EXIT_DEGRADED if failed else EXIT_OK


async def _show(args) -> int:
    """Cost: one lookup per region asked (concurrently); for a stack named like a constituent, one stack list
    per region and the candidate master's resources (core/master/ownership.py); one template GET (masking)."""
    fleet = await open_fleet(args, every_region=True)
    try:
        refuse_unknown_regions(fleet, args.regions)
        detail = await find_one(fleet, args.name, args.regions or None)
        owner = await owner_of(fleet, detail.stack, TopologyCache())
        # Heat shows an output that reads a hidden parameter in clear: masked as the outputs view masks it
        # (#33); every output when the template cannot be read, since nothing then says which are safe.
        template = await template_or_none(fleet, detail.stack)
        masked = masked_outputs(template) if template is not None else {o.key for o in detail.outputs}
    finally:
        fleet.close()
    master = None
    if owner is not None and owner.master_name:
        master = {
            "name": owner.master_name,
            "resource": owner.resource,
            "region": owner.master.region if owner.master else None,
            # Heat said so (the master's resources hold this stack's id), or only the names and the cache do.
            "checked": owner.master_reachable,
        }
    doc = _document(detail, master, masked)
    if args.format == "json":
        print_json(doc)
        return EXIT_OK
    rows = [[key, _text(doc[key])] for key in doc if key not in ("parameters", "outputs", "master")]
    rows.append(["master", _master_text(master)])
    rows += [[f"parameters.{k}", _text(v)] for k, v in doc["parameters"].items()]
    rows += [[f"outputs.{k}", _text(v)] for k, v in doc["outputs"].items()]
    print_table(["FIELD", "VALUE"], rows)
    return EXIT_OK


def _fields(s: Stack) -> dict:
    """A stack's own fields, named as `openstack stack list|show -f json` names them, and its region."""
    return {
        "region": s.region,
        "id": s.id,
        "stack_name": s.name,
        "stack_status": s.status,
        "stack_status_reason": s.status_reason,
        "creation_time": s.created_time,
        "updated_time": s.updated_time,
    }


def _document(detail: StackDetail, master: dict | None, masked: set[str]) -> dict:
    """One stack as `openstack stack show -f json` has its fields, plus region and master. Parameters and
    outputs are mappings (not lists), so that `-c` picks this one row's fields as in `openstack`."""
    return {
        **_fields(detail.stack),
        "timeout_mins": detail.timeout_mins,
        "disable_rollback": detail.disable_rollback,
        "parameters": dict(detail.parameters),  # hidden ones as Heat shows them: masked
        "outputs": {
            o.key: HIDDEN if o.key in masked else (o.value if o.error is None else f"error: {o.error}")
            for o in detail.outputs
        },
        "master": master,
    }


def _text(value) -> str:
    if value is None:
        return "-"
    if hasattr(value, "isoformat"):
        return when(value)
    return str(value)


def _master_text(master: dict | None) -> str:
    if master is None:
        return "-"
    where = f" in {master['region']}" if master["region"] else ""
    how = "" if master["checked"] else " (by its name: the master was not read)"
    return f"{master['name']}/{master['resource']}{where}{how}"
