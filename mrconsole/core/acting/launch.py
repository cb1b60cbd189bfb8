"""Launching a stack: the parameter form, checks before submit, preview by region.

The console builds its form from `form_fields`; every value is checked with
the template's own constraints before anything is sent. Template files are
gathered with heatclient's template_utils (through cloud/), so get_file and
nested templates reach Heat exactly as the CLI would send them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from mrconsole.cloud import errors
from mrconsole.cloud.connection import same_keystone
from mrconsole.cloud.errors import CloudError
from mrconsole.cloud.region import default_trust_problem
from mrconsole.core.acting.findings import BLOCKING, WARNING, Finding
from mrconsole.template import constraints
from mrconsole.template.analysis import analyse
from mrconsole.template.heat import regional_resources, spec_secret
from mrconsole.template.model import Analysis


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    default: str
    description: str
    hidden: bool
    required: bool
    constraints: tuple = ()

    def check(self, value: str) -> list[str]:
        if value == "" and self.required:
            return ["a value is required"]
        if value == "":
            return []
        return constraints.check(self.type, list(self.constraints), value, hidden=self.hidden)


def form_fields(analysis: Analysis | None) -> list[FormField]:
    if analysis is None or analysis.tree is None:
        return []
    return [
        FormField(
            p.name,
            p.type,
            "" if p.default is None or p.hidden else str(p.default),
            p.description,
            p.hidden,
            not p.has_default,
            tuple(p.constraints),
        )
        for p in analysis.tree.template.parameters.values()
    ]


def load(template: str, env_files: list[str], region: str | None, regions: list[str]) -> Analysis:
    """Analysis (pure) of a template the launch form is about to ask values for: the form's fields come
    from it. The create itself is planned with the values given (core/acting/create.py)."""
    return analyse(template, env_files, {}, master_region=region, known_regions=regions, require_values=False)


async def preview_by_region(fleet, region: str, name: str, bundle, params: dict, analysis) -> dict[str, list[str]]:
    """What would be created, grouped by region (the master's from Heat's preview)."""
    result = await fleet.region(region).preview(
        name, bundle.template, files=bundle.files, environment=bundle.environment, parameters=params
    )
    stacks = {s.resource: s for s in analysis.tree.regional_stacks} if analysis and analysis.tree else {}
    groups: dict[str, list[str]] = {region: []}
    for r in result.get("resources", []):
        if isinstance(r, list):
            continue
        name_, rtype = r.get("resource_name"), r.get("resource_type")
        groups[region].append(f"{name_} ({rtype})")
        s = stacks.get(name_)
        if s and s.child:
            groups.setdefault(s.region or "?", []).extend(
                f"{name_}/{c.name} ({c.type})" for c in s.child.resources.values()
            )
    return groups


async def create_findings(fleet, region: str, analysis) -> list:
    """Preflight of a master's create: every constituent's region must answer.

    Heat validates each OS::Heat::Stack against its own region before it
    creates anything (the same rule as an update, core/acting/preflight.py), so one
    region down refuses the whole create. One probe per region, concurrently.
    """

    stacks = analysis.tree.regional_stacks if analysis and analysis.tree else []
    targets: dict[str, list[str]] = {}
    for s in stacks:
        if s.credential_secret_id:
            continue  # in another cloud: Heat goes there with the secret's login (secret_findings below)
        if s.region and s.region in fleet.region_names and s.region != region:
            targets.setdefault(s.region, []).append(s.resource)

    async def probe(r: str):
        try:
            await fleet.region(r).probe()
            return None
        except CloudError as exc:
            return Finding(
                BLOCKING,
                f"{r} is unreachable ({exc.message}): Heat validates {', '.join(targets[r])} "
                "there first, so it would refuse the whole create",
                f"wait for {r}, or launch the regional stacks that do not need it on their own",
            )

    found = [f for f in await asyncio.gather(*(probe(r) for r in targets)) if f is not None]
    return found + await secret_findings(fleet, region, stacks)


async def secret_findings(fleet, region: str, stacks) -> list:
    """Each constituent in another cloud: its secret read as Heat will read it, in the master's region
    (`secrets_read`), before a create. Cost: one request per distinct secret."""
    refs: dict[str, list[str]] = {}
    for s in stacks:
        if s.credential_secret_id:
            refs.setdefault(s.credential_secret_id, []).append(s.resource)
    untrusted = {s.credential_secret_id for s in stacks if s.credential_secret_id and not s.tls_given}
    return await secrets_read(fleet, region, refs, "the create", untrusted)


def template_secrets(template, parameters: dict) -> dict[str, list[str]]:
    """The credential secrets a master's template names (a literal, or a parameter's value): ref -> the
    OS::Heat::Stack resources naming it."""
    refs: dict[str, list[str]] = {}
    for name, spec in regional_resources(template).items():
        ref = spec_secret(spec, parameters)
        if ref:
            refs.setdefault(ref, []).append(name)
    return refs


async def secrets_read(
    fleet, region: str, refs: dict[str, list[str]], what: str, without_tls: set[str] | frozenset = frozenset()
) -> list:
    """Each credential secret read as Heat reads it when a master in `region` is created or adopted
    (remote_stack.py `_get_from_secret`, with the master's context and this region's catalog: cloud/region.py
    credential_login): one not there, not readable by this login, not a login Heat can use, or a region with
    no Barbican in its catalog refuses `what` before it is sent; a login for another Keystone too
    (`_elsewhere`), and for a secret in `without_tls` (its context gives neither `ca_cert` nor `insecure`),
    an https Keystone whose certificate the default CAs refuse is said too (`_trust`). Cost: one request per
    distinct secret, and one to such a Keystone (no credential sent)."""

    async def check(ref: str) -> list:
        names = ", ".join(refs[ref])
        try:
            login = await fleet.region(region).credential_login(ref)
            problem = login.problem
        except CloudError as exc:
            if exc.kind == errors.UNAVAILABLE:
                return [Finding(WARNING, f"{names}: its credential secret could not be read ({exc.message})")]
            problem = {
                errors.NOT_FOUND: f"Barbican in {region} has no such secret",
                errors.FORBIDDEN: "this login may not read it, nor may Heat acting for it",
                errors.UNAUTHORIZED: "this login may not read it, nor may Heat acting for it",
            }.get(exc.kind, exc.message)
        if not problem:
            elsewhere = _elsewhere(fleet, region, names, login.auth_url)
            trust = await _trust(fleet, region, names, login.auth_url) if ref in without_tls else None
            return [f for f in (elsewhere, trust) if f is not None]
        refused = Finding(
            BLOCKING,
            f"{names}: credential_secret_id {ref}: {problem}: Heat reads it in {region} and would refuse {what}",
            f"Heat must read it in {region}: store the login in a Barbican of {region}'s catalog as "
            '{"auth_type": ..., "auth": {...}} (openstack secret store) and name that secret',
        )
        return [refused]

    return [f for found in await asyncio.gather(*(check(r) for r in refs)) for f in found]


async def _trust(fleet, region: str, names: str, auth_url: str):
    """Heat asks a token of the secret's Keystone over TLS (heat/common/auth_plugin.py validate_auth_plugin),
    checking its certificate with `ca_cert` when the context gives it, else with its host's trust (requests'
    default CAs, or the bundle its deployment sets: REQUESTS_CA_BUNDLE), which the console cannot see: a
    certificate the default CAs refuse, with no `ca_cert`, is said as a risk."""
    said = await default_trust_problem(auth_url, fleet.region(region).timeouts)
    if not said:
        return None
    return Finding(
        WARNING,
        f"{names}: the secret's Keystone ({auth_url}): {said}, and the context gives no ca_cert: Heat then "
        "checks it with its host's own trust, and refuses the create if that does not accept it either",
        "give the CA that signs that Keystone: context: {ca_cert: {get_file: ca.pem}}",
    )


def _elsewhere(fleet, region: str, names: str, auth_url: str):
    """A secret whose login is for another Keystone than this cloud's: Heat checks that login there, then makes
    the stack here, in the master's region (template/analysis.py MR013, pinned in tests/lab/test_barbican.py),
    so the create would not do what it is for."""
    ours = fleet.auth_url(region)
    if not auth_url or not ours or same_keystone(auth_url, ours):
        return None
    return Finding(
        BLOCKING,
        f"{names}: the secret logs in to another cloud ({auth_url}), but Heat makes the stack in this cloud's "
        f"{region}, the master's region (it checks that login, then sends through its own)",
        "make that stack in the other cloud as a stack or master of its own (mrconsole stack create ... "
        "--os-cloud THAT_CLOUD) and pass it this master's values as parameters; --force sends it as it is",
    )
