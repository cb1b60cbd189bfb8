"""Outputs that read a secret: which outputs of a template read a hidden parameter, and masking them in a
constituent's read outputs before anything shows or keeps them (#33). Used by the outputs view, the
console's session and every writer of the topology cache."""

from __future__ import annotations

import dataclasses

from mrconsole.core.master.topology import template_or_none
from mrconsole.models import HIDDEN
from mrconsole.template.heat import hidden_parameters


def _reads_hidden(value, hidden: frozenset[str]) -> bool:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "get_param":
                name = v[0] if isinstance(v, list) and v else v
                if isinstance(name, str) and name in hidden:
                    return True
            if _reads_hidden(v, hidden):
                return True
    elif isinstance(value, list):
        return any(_reads_hidden(v, hidden) for v in value)
    return False


def masked_outputs(template: dict | None) -> set[str]:
    """The outputs of `template` whose value reads a hidden parameter."""
    if not isinstance(template, dict):
        return set()
    hidden = hidden_parameters(template)
    outputs = template.get("outputs") or {}
    return {k for k, v in outputs.items() if isinstance(v, dict) and _reads_hidden(v.get("value"), hidden)}


async def mask_hidden(fleet, c) -> set[str] | None:
    """Replace, in the constituent's read outputs (`c.detail`), each value that reads a hidden parameter of
    its template by HIDDEN, before anything shows or keeps it (#33). Returns the masked keys, or None when
    the template could not be read (nothing is known to be hidden: the cache then keeps none of its values,
    state/topology_cache.from_topology). Cost: one template GET."""
    if c.stack is None or c.detail is None:
        return None
    template = await template_or_none(fleet, c.stack)
    if template is None:
        return None
    masked = masked_outputs(template)
    apply_masks(c, masked)
    return masked


def apply_masks(c, masked: set[str]) -> None:
    """The constituent's read outputs with each key in `masked` replaced by HIDDEN (no request)."""
    if masked and c.detail is not None:
        c.detail = dataclasses.replace(
            c.detail,
            outputs=tuple(dataclasses.replace(o, value=HIDDEN) if o.key in masked else o for o in c.detail.outputs),
        )
