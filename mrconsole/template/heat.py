"""Heat's rules for a multi-region master, each written once.

Every part of the console that reasons about a master uses these: template
analysis (files with positions), the running master's tree (a template read
back from Heat as plain data), the outage cache, ownership and drift.

- `REMOTE_STACK`: the resource type that creates a stack in another region.
- `region_expression`: what `context: {region_name: ...}` says, and how.
- `credential_secret`: a constituent in another cloud (`context: {credential_secret_id: ...}`).
- `constituent_name_pattern` / `name_splits`: Heat names a remote stack
  `<master>-<resource>-<12 lowercase alphanumerics>` (heat/engine/resources/
  stack_resource.py `physical_resource_name`, short_id of 12 characters).
- `flow_label`: how a data edge (an output feeding a parameter) is written.
- `nesting_resources`: the resources Heat updates as nested stacks (its
  preview names them "updated" on every update).
- `intended_parameters`: the values a master means to pass a constituent,
  where they can be known without Heat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mrconsole.models import same_cloud

REMOTE_STACK = "OS::Heat::Stack"
_SUFFIX = re.compile(r"-([a-z0-9]{12})$")

# How a region was given: no context (the master's own region), a literal,
# a get_param of the master, or something that cannot be known statically.
MASTER, LITERAL, PARAMETER, UNRESOLVED = "master", "literal", "parameter", "unresolved"


@dataclass(frozen=True)
class RegionExpression:
    kind: str  # MASTER, LITERAL, PARAMETER or UNRESOLVED
    value: str | None = None  # the literal region, or the parameter's name


def properties(spec) -> dict:
    props = spec.get("properties") if isinstance(spec, dict) else None
    return props if isinstance(props, dict) else {}


def region_expression(spec) -> tuple[RegionExpression, object]:
    """What an OS::Heat::Stack's `context.region_name` says; also the raw context (for positions)."""
    context = properties(spec).get("context")
    if not isinstance(context, dict) or "region_name" not in context:
        return RegionExpression(MASTER), context
    expr = context["region_name"]
    if isinstance(expr, str):
        return RegionExpression(LITERAL, expr), context
    if isinstance(expr, dict) and set(expr) == {"get_param"} and isinstance(expr["get_param"], str):
        return RegionExpression(PARAMETER, expr["get_param"]), context
    return RegionExpression(UNRESOLVED), context


def resolve_region(spec, parameters: dict, master_region: str | None) -> str | None:
    """The region a regional stack resource targets; None when it cannot be known. With a
    `credential_secret_id` Heat makes it in the master's own region whatever `region_name` says
    (template/analysis.py `_other_cloud`, pinned on the lab)."""
    expr, context = region_expression(spec)
    if expr.kind == MASTER or (isinstance(context, dict) and context.get("credential_secret_id")):
        return master_region
    name = None
    if expr.kind == LITERAL:
        name = expr.value
    elif expr.kind == PARAMETER:
        value = parameters.get(expr.value)
        name = None if value is None else str(value)
    # In the master's own cloud: a master of a cloud opened beside the first names its regions CLOUD/REGION.
    return same_cloud(master_region, name) if name is not None and master_region else name


def credential_secret(context, parameters: dict) -> str | None:
    """An OS::Heat::Stack context's `credential_secret_id` (the constituent is in another cloud, whose login
    that Barbican secret holds): a literal or `get_param` of a master's parameter with a value; None when
    there is none, or it cannot be known here."""
    ref = context.get("credential_secret_id") if isinstance(context, dict) else None
    if isinstance(ref, dict) and set(ref) == {"get_param"} and isinstance(ref["get_param"], str):
        ref = (parameters or {}).get(ref["get_param"])
    return ref if isinstance(ref, str) and ref else None


def spec_secret(spec, parameters: dict) -> str | None:
    """`credential_secret` of a resource spec."""
    return credential_secret(properties(spec).get("context"), parameters)


def regional_resources(template) -> dict[str, dict]:
    resources = template.get("resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return {}
    return {
        str(name): spec
        for name, spec in resources.items()
        if isinstance(spec, dict) and spec.get("type") == REMOTE_STACK
    }


def constituent_name_pattern(master_name: str, resource: str | None = None) -> re.Pattern:
    """Matches Heat's name for a remote stack of `master_name`; group 1 is the resource."""
    res = re.escape(resource) if resource else r"[^\s]+?"
    return re.compile(rf"^{re.escape(master_name)}-({res})-([a-z0-9]{{12}})$")


def looks_like_constituent(stack_name: str) -> bool:
    """Heat names a remote stack `<master>-<resource>-<12 lowercase letters or digits>`."""
    return bool(_SUFFIX.search(stack_name))


def name_splits(stack_name: str) -> list[tuple[str, str]]:
    """Every (master name, resource name) a remote stack's name could stand for, longest master first.

    Both names may contain '-', so the name alone is ambiguous; a caller
    keeps the first split whose master it can see.
    """
    match = _SUFFIX.search(stack_name)
    if not match:
        return []
    head = stack_name[: match.start()]
    return [(head[:i], head[i + 1 :]) for i in range(len(head) - 1, 0, -1) if head[i] == "-"]


def flow_label(source: str, key: str | None, target: str, via: str | None) -> str:
    into = f"{target}.{via}" if via else target
    return f"{key}: {source} → {into}"


def intended_parameters(spec, master_parameters: dict, outputs_of: dict[str, dict]) -> dict[str, str]:
    """The parameter values a master passes a constituent, where they can be known.

    A literal, the master's own parameter (get_param) or another
    constituent's output (get_attr [resource, outputs, key]); anything else
    is left out rather than guessed.
    """
    passed = properties(spec).get("parameters")
    passed = passed if isinstance(passed, dict) else {}
    out = {}
    for key, value in passed.items():
        if isinstance(value, (str, int, float, bool)):
            out[str(key)] = str(value)
        elif isinstance(value, dict) and set(value) == {"get_param"} and isinstance(value["get_param"], str):
            if value["get_param"] in master_parameters:
                out[str(key)] = str(master_parameters[value["get_param"]])
        elif isinstance(value, dict) and set(value) == {"get_attr"} and isinstance(value["get_attr"], list):
            args = value["get_attr"]
            if len(args) == 3 and args[1] == "outputs" and args[2] in outputs_of.get(args[0], {}):
                out[str(key)] = str(outputs_of[args[0]][args[2]])
    return out


def child_template_text(spec, files: dict) -> str | None:
    """The text of a regional stack's template: inline, or from the bundle's files (get_file)."""
    template = properties(spec).get("template")
    if isinstance(template, str):
        return template
    if isinstance(template, dict) and set(template) == {"get_file"}:
        text = files.get(template["get_file"])
        return text if isinstance(text, str) else None
    return None


def passed_parameters(spec) -> list[str]:
    """The parameter names a master passes a constituent (Heat passes exactly these on update)."""
    passed = properties(spec).get("parameters")
    return [str(k) for k in passed] if isinstance(passed, dict) else []


def parameter_values(template, environment: dict, given: dict) -> dict:
    """The values a stack gets from a full create or update: defaults, the environment, then -P."""
    declared = template.get("parameters") if isinstance(template, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    out = {str(k): v["default"] for k, v in declared.items() if isinstance(v, dict) and "default" in v}
    for section in ("parameter_defaults", "parameters"):
        values = environment.get(section) if isinstance(environment, dict) else None
        if isinstance(values, dict):
            out.update({str(k): v for k, v in values.items() if section == "parameters" or k in declared})
    out.update(given)
    return out


def fed_by(spec, names: frozenset[str] | set[str]) -> set[str]:
    """The constituent parameters a master passes straight from one of its parameters `names`."""
    passed = properties(spec).get("parameters")
    passed = passed if isinstance(passed, dict) else {}
    return {
        str(k) for k, v in passed.items() if isinstance(v, dict) and set(v) == {"get_param"} and v["get_param"] in names
    }


def hidden_parameters(template: object) -> frozenset[str]:
    """The parameters whose values Heat hides, as Heat decides it (heat/engine/hot/parameters.py,
    heat/engine/parameters.py): HOT's `hidden` when truthy, CloudFormation's `NoEcho` when its text is
    "true". A template that is not a mapping hides nothing known (callers mask every value then)."""
    if not isinstance(template, dict):
        return frozenset()
    names: set[str] = set()
    hot = template.get("parameters")
    if isinstance(hot, dict):
        names |= {str(k) for k, v in hot.items() if isinstance(v, dict) and v.get("hidden")}
    cfn = template.get("Parameters")
    if isinstance(cfn, dict):
        names |= {
            str(k) for k, v in cfn.items() if isinstance(v, dict) and str(v.get("NoEcho", "false")).lower() == "true"
        }
    return frozenset(names)


NESTING_TYPES = frozenset(
    {
        "OS::Heat::ResourceGroup",
        "OS::Heat::AutoScalingGroup",
        "OS::Heat::InstanceGroup",
        "OS::Heat::Stack",
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::CloudFormation::Stack",
    }
)


def nesting_resources(template: dict) -> set[str]:
    """The resources of `template` that are nested stacks: Heat previews each as "updated" whenever its stack
    is updated, changed or not (heat/engine/resources/stack_resource.py _needs_update: "Always issue an update
    to the nested stack and let the individual resources in it decide")."""
    out = set()
    for name, spec in (template.get("resources") or {}).items():
        kind = str((spec or {}).get("type", ""))
        if kind in NESTING_TYPES or kind.endswith((".yaml", ".yml", ".template")) or "://" in kind:
            out.add(name)
    return out
