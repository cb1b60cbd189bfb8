"""`mrconsole validate`: analyse a master template before anything is sent."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from mrconsole.cli.cloudargs import add_cloud_arguments, open_fleet
from mrconsole.cli.commands import about
from mrconsole.cli.common import (
    EXIT_DEGRADED,
    EXIT_FAILED,
    EXIT_OK,
    add_parameter_arguments,
    parse_params,
    print_json,
    require_file,
)
from mrconsole.cli.output import add_format
from mrconsole.core import errors
from mrconsole.core.connect import gather
from mrconsole.core.errors import CloudError
from mrconsole.template.analysis import analyse
from mrconsole.template.render import analysis_json, tree_lines


def add_parser(sub) -> None:
    p = sub.add_parser(
        "validate",
        **about("validate"),
        description="Analyse a master template and its regional stacks. Output is "
        "compiler style: file:line:col: error|warning: message [CODE].",
        epilog="exit codes:\n  0  clean, or warnings only\n  1  errors found\n  2  bad invocation\n"
        "  3  no errors, but Heat in some region could not be reached to validate, or would not validate\n"
        "     for your role (a reader's, say)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("template", metavar="TEMPLATE")
    p.add_argument(
        "-e",
        "--environment",
        dest="env",
        action="append",
        default=[],
        metavar="ENV",
        help="environment file (repeatable)",
    )
    add_parameter_arguments(p)
    p.add_argument(
        "--master-region", metavar="R", help="region the master is created in (default: the cloud's first region)"
    )
    add_format(p, ("text", "json"), "text")
    p.add_argument("--tree", action="store_true", help="draw the master tree")
    add_cloud_arguments(p)
    p.set_defaults(func=cmd_validate)


def cmd_validate(args) -> int:

    require_file(args.template)
    for env in args.env:
        require_file(env, "environment file")
    params = parse_params(args.params, args.parameter_files)
    use_cloud = bool(args.os_cloud or args.lab)
    fleet = None
    known = None
    master_region = args.master_region
    if use_cloud:
        fleet = asyncio.run(open_fleet(args))
        known = fleet.region_names
        master_region = master_region or known[0]
    analysis = analyse(args.template, args.env, params, master_region=master_region, known_regions=known)
    server = {}
    if fleet is not None:
        try:
            if analysis.tree is not None:
                server = asyncio.run(_server_validate(fleet, analysis, args))
        finally:
            fleet.close()
    code = EXIT_FAILED if analysis.errors else EXIT_OK
    if any(v["status"] == "rejected" for v in server.values()):
        code = EXIT_FAILED
    elif code == EXIT_OK and any(v["status"] in ("unreachable", NOT_CHECKED) for v in server.values()):
        code = EXIT_DEGRADED
    if args.format == "json":
        data = analysis_json(analysis)
        data["server_validation"] = server
        data["exit_code"] = code
        print_json(data)
        return code
    if args.tree and analysis.tree is not None:
        print("\n".join(tree_lines(analysis.tree)))
        print()
    for f in analysis.findings:
        print(str(f) + (f"\n    hint: {f.hint}" if f.hint else ""))
    if analysis.uploads:
        print("uploads (get_file, nested templates): " + ", ".join(analysis.uploads))
    for target, result in server.items():
        if result["status"] != "valid":
            print(f"{target}: {result['status']}: {result['message']}")
        else:
            print(f"{target}: valid")
    n_err, n_warn = len(analysis.errors), len(analysis.warnings)
    summary = f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}"
    print(summary, file=sys.stderr if analysis.findings else sys.stdout)
    return code


NOT_CHECKED = "not checked"


async def _server_validate(fleet, analysis, args) -> dict:
    """Ask each target region's Heat to validate its child template."""

    template_dir = Path(args.template).resolve().parent
    jobs = []
    for s in analysis.tree.regional_stacks:
        if s.region is None or s.region not in fleet.region_names or not s.child:
            continue
        child_path = Path(s.child.file)
        if not child_path.is_file():
            child_path = template_dir / s.child.file
        if not child_path.is_file():
            continue  # an inline template: Heat validates it with the master
        jobs.append((f"{s.resource}@{s.region}", s.region, str(child_path)))

    async def one(target, region, path):
        try:
            bundle = gather(path)
            await fleet.region(region).validate(bundle.template, bundle.files)
            return target, {"region": region, "status": "valid", "message": ""}
        except CloudError as exc:
            refused = await fleet.permissions.learn(region, "validate", exc)
            if refused is not None:  # Heat's policy, not the template: the check was not made
                return target, {"region": region, "status": NOT_CHECKED, "message": refused.line()}
            status = "unreachable" if exc.kind == errors.UNAVAILABLE else "rejected"
            return target, {"region": region, "status": status, "message": exc.message}

    results = await asyncio.gather(*(one(*j) for j in jobs))
    return dict(results)
