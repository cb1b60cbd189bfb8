"""`mrconsole lab ...`: the embedded local multi-region OpenStack."""

from __future__ import annotations

import argparse
import sys

from mrconsole.cli.commands import about
from mrconsole.cli.common import EXIT_USAGE, CliError, print_json, print_table
from mrconsole.cli.output import add_format
from mrconsole.lab import faults
from mrconsole.lab.configs import PROFILES
from mrconsole.lab.manager import DEFAULT_BASE_PORT, EDGE_CLOUD, Lab

COMPONENT_ACTIONS = ("stop", "start", "freeze", "thaw")


def add_parser(sub) -> None:
    lab = sub.add_parser(
        "lab",
        **about("lab"),
        description="A real local OpenStack: upstream Keystone and one upstream Heat "
        "process per region, on 127.0.0.1; by default as production runs them (trusts, TLS, their data in "
        "MariaDB, or sqlite where MariaDB is not installed); --profile simple keeps the deprecated shortcuts.",
    )
    lsub = lab.add_subparsers(dest="lab_command", metavar="COMMAND")
    lsub.required = True

    def with_dir(p):
        p.add_argument("--dir", help="lab directory (default: under the XDG state dir, or $MRCONSOLE_LAB_DIR)")
        return p

    up = with_dir(lsub.add_parser("up", help="start the lab (reports status if already up)"))
    up.add_argument(
        "--regions", default=None, help="comma-separated region names (default RegionOne,RegionTwo,RegionThree)"
    )
    up.add_argument("--no-keystone", action="store_true", help="run Heat in noauth mode, without Keystone (faster)")
    up.add_argument(
        "--barbican",
        action="store_true",
        help="run Barbican too (key-manager, in the first region's catalog): the secrets an OS::Heat::Stack's "
        "context.credential_secret_id names",
    )
    up.add_argument(
        "--clouds",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: a second cloud too (lab-edge: its own Keystone, and a Heat in each of two regions named as the "
        "first two), its application credentials stored in the first cloud's Barbican (implies --barbican)",
    )
    up.add_argument(
        "--profile",
        choices=PROFILES,
        default=None,
        help="how Heat and Keystone are set: production (trusts, re-authentication by trusts, redelegation: as "
        "real clouds run; the default), simple (password deferred auth, deprecated in Heat) or production-no-reauth "
        "(trusts, remote calls on the user's token: Heat's default re-authentication)",
    )
    up.add_argument(
        "--db",
        choices=("mariadb", "sqlite"),
        default=None,
        help="where Keystone and Heat keep their data: mariadb (the production profiles' default, when "
        "Debian's mariadb-server is installed) or sqlite (the simple profile's)",
    )
    up.add_argument(
        "--base-port",
        type=int,
        default=None,
        help="first TCP port; components take consecutive ports (0: any free ports)",
    )
    tokens = up.add_mutually_exclusive_group()
    tokens.add_argument(
        "--token-expiration",
        type=int,
        default=None,
        metavar="SECONDS",
        help="Keystone's token lifetime (default 7200; short, to rehearse a token expiring "
        "mid-session); a running lab's Keystone is restarted with it",
    )
    tokens.add_argument(
        "--token-minutes",
        type=int,
        default=None,
        metavar="N",
        help="the same in minutes (--token-minutes 2 is --token-expiration 120)",
    )
    up.set_defaults(func=cmd_up)

    st = with_dir(lsub.add_parser("status", help="each component's pid, port, state and URL"))
    add_format(st, ("table", "json"), "table")
    st.set_defaults(func=cmd_status)

    for action in COMPONENT_ACTIONS:
        helps = {
            "stop": "end a component's process (connections are refused)",
            "start": "restart a stopped component, keeping its data",
            "freeze": "SIGSTOP a component (requests hang)",
            "thaw": "SIGCONT a frozen component",
        }
        p = with_dir(lsub.add_parser(action, help=helps[action]))
        p.add_argument("component", metavar="COMPONENT", help="a region name or 'keystone'")
        p.set_defaults(func=cmd_component, action=action)

    lack = with_dir(
        lsub.add_parser(
            "lack-type",
            help="make a region's Heat lack one of the lab's resource types (or --restore it); restarts that Heat",
            description="Every lab region offers Lab::Cache::Redis and Lab::Queue::Kafka (a plugin of the lab's own); "
            "taking one away makes that region refuse templates using it, as a region on an older Heat or "
            "without a service does.",
        )
    )
    lack.add_argument("region", metavar="REGION")
    lack.add_argument("type_name", metavar="TYPE")
    lack.add_argument("--restore", action="store_true", help="give the type back")
    lack.set_defaults(func=cmd_lack_type)

    fault = with_dir(
        lsub.add_parser(
            "fault",
            help="put an HTTP fault in front of a component, on its own port (or clear it)",
            description="Misbehave as a proxy or an overloaded API would, for every client of the component "
            "(the console, the CLI, and Heat's own calls between regions).",
            epilog="modes:\n  html502        every request answered 502 with an HTML page\n"
            "  truncate       the real answer, its JSON body cut in the middle\n"
            "  garbage        200 with a body that is not JSON\n  slow:SECONDS   every answer delayed\n"
            "  reset          the connection closed without an answer\n"
            "  flaky:PERCENT  that share of requests answered 503\n"
            "  expire-tokens  (keystone) every token issued so far becomes invalid, as after a key rotation\n"
            "  revoke-credentials, restore-credentials  (keystone) the lab's password stops, or starts, working\n"
            "  clear          back to normal",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    fault.add_argument("component", metavar="COMPONENT", help="a region name or 'keystone'")
    fault.add_argument(
        "mode", metavar="MODE", help="html502, truncate, garbage, slow:SECONDS, reset, flaky:PERCENT, or clear"
    )
    fault.set_defaults(func=cmd_fault)

    down = with_dir(lsub.add_parser("down", help="stop everything; --purge also deletes the data"))
    down.add_argument("--purge", action="store_true")
    down.set_defaults(func=cmd_down)

    seed = with_dir(lsub.add_parser("seed", help="create the sample multi-region master stack"))
    seed.add_argument("--name", default="demo", help="master stack name (default: demo)")
    seed.add_argument(
        "--example", default="multi-region", help="example directory under mrconsole/examples (default: multi-region)"
    )
    seed.add_argument("--wait", action="store_true", help="wait until the master is COMPLETE")
    seed.set_defaults(func=cmd_seed)

    pop = with_dir(
        lsub.add_parser(
            "populate",
            help="fill the lab with a realistic fleet (idempotent)",
            description="Create a fleet in every region: plain stacks in every state (complete, failed, "
            "suspended, in progress for a while), nested stacks, stacks with long event histories, and "
            "multi-region masters. A re-run creates only what is missing.",
        )
    )
    pop.add_argument("--stacks", type=int, default=100, help="fleet stacks per region (default 100)")
    pop.add_argument("--regions", default=None, help="comma-separated regions (default: every region)")
    pop.add_argument("--masters", type=int, default=2, help="multi-region masters, spread over the regions (default 2)")
    pop.add_argument("--concurrency", type=int, default=8, help="creates in flight at once (default 8)")
    pop.add_argument(
        "--busy-seconds", type=int, default=600, help="how long the in-progress stacks stay in progress (default 600)"
    )
    add_format(pop, ("table", "json"), "table")
    pop.set_defaults(func=cmd_populate)


def _lab(args):

    return Lab(args.dir)


def _progress(msg: str) -> None:
    print(f"lab: {msg}", file=sys.stderr, flush=True)


def cmd_up(args) -> int:

    lab = _lab(args)
    regions = None
    if args.regions is not None:
        regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    if args.base_port is not None and not (0 <= args.base_port <= 65000):
        raise CliError("--base-port must be between 0 and 65000", EXIT_USAGE)
    if args.token_minutes is not None:
        args.token_expiration = args.token_minutes * 60
    if args.token_expiration is not None and not (10 <= args.token_expiration <= 86400):
        raise CliError("a token lifetime must be between 10 seconds and 1440 minutes", EXIT_USAGE)
    changed = lab.up(
        regions=regions,
        keystone=not args.no_keystone,
        base_port=DEFAULT_BASE_PORT if args.base_port is None else args.base_port,
        progress=_progress,
        profile=args.profile,
        db=args.db,
        barbican=args.barbican,
        clouds=args.clouds,
    )
    if args.token_expiration is not None and lab.set_token_expiration(args.token_expiration):
        changed = True
        print(f"keystone: tokens now live {args.token_expiration} s")
    if not changed:
        print(f"The lab in {lab.dir} is already up; nothing changed.")
    _print_status(lab)
    print()
    print("Use it with:")
    print(f"  export OS_CLIENT_CONFIG_FILE={lab.clouds_yaml}")
    print("  export OS_CLOUD=mrconsole-lab")
    print("  mrconsole status          # or: mrconsole --lab")
    edge = lab.layout().extra.get("edge") or {}
    if edge.get("secrets"):
        print()
        print(f"The second cloud ({EDGE_CLOUD}) is reached from a master with")
        print(f"  context: {{credential_secret_id: {edge['secrets']['unrestricted']}}}")
    return 0


def _print_status(lab) -> None:
    rows = [[c.name, c.state, c.pid or "-", c.port, c.url, c.fault or "-"] for c in lab.status()]
    print_table(["COMPONENT", "STATE", "PID", "PORT", "URL", "FAULT"], rows)


def cmd_status(args) -> int:
    lab = _lab(args)
    comps = lab.status()
    if args.format == "json":
        print_json({"dir": str(lab.dir), "clouds_yaml": str(lab.clouds_yaml), "components": comps})
    else:
        print(f"lab: {lab.dir}")
        _print_status(lab)
    return 0 if all(c.state == "up" for c in comps) else 3


def cmd_component(args) -> int:
    lab = _lab(args)
    getattr(lab, args.action)(args.component)
    state = {c.name: c.state for c in lab.status()}[args.component]
    print(f"{args.component}: {state}")
    return 0


def cmd_lack_type(args) -> int:
    lab = _lab(args)
    lab.lack_type(args.region, args.type_name, lacking=not args.restore)
    print(f"{args.region}: offers {', '.join(lab.lab_types(args.region)) or 'none of the lab types'}")
    return 0


def cmd_fault(args) -> int:

    lab = _lab(args)
    if args.mode in ("revoke-credentials", "restore-credentials"):
        if args.component != "keystone":
            raise CliError(f"{args.mode} is a fault of keystone", EXIT_USAGE)
        lab.revoke_credentials(args.mode == "revoke-credentials")
        print(
            "keystone: the lab's credentials "
            + (
                "no longer work (password changed, tokens expired)"
                if args.mode == "revoke-credentials"
                else "work again"
            )
        )
        return 0
    if args.mode == "expire-tokens":
        if args.component != "keystone":
            raise CliError(
                "expire-tokens is a fault of keystone: mrconsole lab fault keystone expire-tokens", EXIT_USAGE
            )
        lab.expire_tokens()
        print("keystone: every token issued so far is now invalid (Heat notices within 5 s)")
        return 0
    try:
        fault = None if args.mode == "clear" else faults.parse(args.mode)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    lab.fault(args.component, fault)
    print(f"{args.component}: {fault or 'no fault'}")
    return 0


def cmd_down(args) -> int:
    lab = _lab(args)
    lab.down(purge=args.purge)
    print(f"lab in {lab.dir}: down" + (" and purged" if args.purge else ""))
    return 0


def cmd_seed(args) -> int:
    from mrconsole.lab.seed import seed  # lazy: the cloud layer (heatclient's session) costs --help 0.05 s

    lab = _lab(args)
    result = seed(lab, name=args.name, example=args.example, wait=args.wait, progress=_progress)
    print(result)
    return 0


def cmd_populate(args) -> int:
    from mrconsole.lab.populate import populate  # lazy: the cloud layer (start-up time)

    lab = _lab(args)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()] if args.regions else None
    if args.busy_seconds < 1:
        raise CliError("--busy-seconds must be 1 or more", EXIT_USAGE)
    report = populate(
        lab,
        stacks=args.stacks,
        regions=regions,
        masters=args.masters,
        concurrency=args.concurrency,
        busy_seconds=args.busy_seconds,
        progress=_progress,
    )
    if args.format == "json":
        print_json(
            {
                "created": report.created,
                "existing": report.existing,
                "failed": report.failed,
                "seconds": round(report.seconds, 1),
                "statuses": {r: dict(c) for r, c in report.statuses.items()},
            }
        )
    else:
        statuses = sorted({s for c in report.statuses.values() for s in c})
        rows = [[r, sum(c.values()), *[c.get(s, 0) for s in statuses]] for r, c in report.statuses.items()]
        print_table(["REGION", "STACKS", *statuses], rows)
        print(
            f"created {report.created}, already there {report.existing}, failed {len(report.failed)} "
            f"in {report.seconds:.0f}s"
        )
        for line in report.failed[:20]:
            print(f"  failed: {line}")
    return 0 if report.ok else 1
