"""Per-region compatibility: what each region's Heat takes, asked before a create, an update or a rollout.

During an upgrade regions run different Heat releases, and a region may lack a service (so its Heat offers
none of that service's resource types). Each region is asked what it supports (`GET /template_versions`,
`GET /resource_types`, as this user sees them) and a template version or resource type that a region
does not have is refused before anything is sent, naming the region. The master's template is checked
against the master's region, each `OS::Heat::Stack`'s child template against the region it goes to.

Types that are templates themselves (a file name, `*.yaml`) or that the bundle's environment maps are
the template's own and not asked about.

Cost: 2 requests per region involved, concurrently; none when the template cannot be read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import yaml

from mrconsole.cloud.errors import CloudError
from mrconsole.core.acting.findings import BLOCKING, WARNING, Finding
from mrconsole.template.heat import child_template_text, parameter_values, regional_resources, resolve_region


@dataclass(frozen=True)
class Needs:
    """What one template sent to one region needs from it."""

    region: str
    what: str  # "the master's template", "db_stack's template"
    version: str  # "heat_template_version.2018-08-31"
    types: frozenset[str]


def _version(template: dict) -> str:
    for key in ("heat_template_version", "HeatTemplateFormatVersion", "AWSTemplateFormatVersion"):
        if key in template:
            value = template[key]
            value = value.isoformat() if hasattr(value, "isoformat") else str(value)
            return f"{key}.{value}"
    return ""


def _types(template: dict, mapped: set[str]) -> frozenset[str]:
    out = set()
    for spec in (template.get("resources") or {}).values():
        if not isinstance(spec, dict):
            continue
        t = spec.get("type") or spec.get("Type")
        if not isinstance(t, str) or t in mapped or t.endswith((".yaml", ".yml", ".template")) or "/" in t:
            continue
        out.add(t)
    return frozenset(out)


def needs_of(bundle, parameters: dict, master_region: str) -> list[Needs]:
    """The master's template in its region, and each constituent's child template in its own."""
    env = bundle.environment or {}
    mapped = set((env.get("resource_registry") or {}).keys()) - {"resources"}
    template = bundle.template or {}
    out = [Needs(master_region, "the master's template", _version(template), _types(template, mapped))]
    values = parameter_values(template, env, parameters)  # defaults and the environment's, then the given
    for name, spec in regional_resources(template).items():
        region = resolve_region(spec, values, master_region)
        text = child_template_text(spec, bundle.files or {})
        if not region or not text:
            continue
        try:
            child = yaml.safe_load(text)
        except yaml.YAMLError:
            continue  # the template analysis reports it
        if isinstance(child, dict):
            out.append(Needs(region, f"{name}'s template", _version(child), _types(child, mapped)))
    return out


async def compat_findings(fleet, needs: list[Needs]) -> list[Finding]:
    """Each region asked once; a version or type it lacks is blocking, naming the region."""
    regions = sorted({n.region for n in needs if n.region in fleet.region_names})

    async def ask(region):
        client = fleet.region(region)
        try:
            versions, types = await asyncio.gather(client.template_versions(), client.resource_types())
            return region, versions, types, None
        except CloudError as exc:
            return region, frozenset(), frozenset(), exc.message

    support = {r: (v, t, err) for r, v, t, err in await asyncio.gather(*(ask(r) for r in regions))}
    findings: list[Finding] = []
    for n in needs:
        if n.region not in support:
            continue
        versions, types, err = support[n.region]
        if err:
            findings.append(Finding(WARNING, f"{n.region} did not say what it supports ({err}): not checked"))
            continue
        if n.version and versions and n.version not in versions:
            findings.append(
                Finding(
                    BLOCKING,
                    f"{n.region}'s Heat does not take {n.version} ({n.what}): it is an older release",
                    f"use a version {n.region} takes: {', '.join(sorted(v for v in versions if 'heat' in v)[-3:])}",
                )
            )
        missing = sorted(n.types - types) if types else []
        if missing:
            findings.append(
                Finding(
                    BLOCKING,
                    f"{n.region}'s Heat has no {', '.join(missing)} ({n.what}): its release or its services "
                    "lack it, so Heat would refuse the template there",
                    f"mrconsole validate the template against {n.region}, or place that resource in a region that "
                    "has it",
                )
            )
    return findings
