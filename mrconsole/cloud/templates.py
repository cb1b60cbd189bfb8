"""Gathering template files for Heat, with heatclient's own template_utils.

template_utils resolves get_file and nested template types into the `files`
map Heat expects, and merges environment files; it lives here because only
cloud/ may import heatclient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError


@dataclass
class TemplateBundle:
    template: dict | None  # None: an environment alone, sent as a PATCH of the stored template
    files: dict = field(default_factory=dict)
    environment: dict = field(default_factory=dict)


def gather(template_path: str, env_paths: list[str] | tuple = ()) -> TemplateBundle:
    from heatclient import exc as hexc
    from heatclient.common import template_utils

    try:
        env_files, environment = template_utils.process_multiple_environments_and_files(
            env_paths=list(env_paths) or None
        )
        files, template = template_utils.get_template_contents(template_file=template_path)
    except (hexc.CommandError, OSError, ValueError) as exc:
        raise CloudError(errors.CONFIG, str(exc).strip().splitlines()[0]) from None
    return TemplateBundle(template=template, files={**env_files, **files}, environment=environment or {})


def gather_environment(env_paths: list[str] | tuple) -> dict:
    """Environment files merged as `openstack stack update --existing -e` sends them, for a PATCH that keeps
    the stored template (a breakpoint set, a registry entry changed). Their get_file contents are not sent:
    Heat takes files only with a template."""
    from heatclient import exc as hexc
    from heatclient.common import template_utils

    try:
        _, environment = template_utils.process_multiple_environments_and_files(env_paths=list(env_paths))
    except (hexc.CommandError, OSError, ValueError) as exc:
        raise CloudError(errors.CONFIG, str(exc).strip().splitlines()[0]) from None
    return environment or {}


def parse(text: str) -> dict:
    """A template's text as Heat parses it (dates stay strings); CloudError when it is not a template."""
    from heatclient.common import template_format

    try:
        parsed = template_format.parse(text)
    except ValueError as exc:
        raise CloudError(errors.CONFIG, str(exc).strip().splitlines()[0]) from None
    if not isinstance(parsed, dict):
        raise CloudError(errors.CONFIG, "not a template")
    return parsed
