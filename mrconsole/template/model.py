"""The master tree and its findings, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field

from mrconsole.template.heat import flow_label
from mrconsole.template.loader import Pos

ERROR, WARNING, NOTE = "error", "warning", "note"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    pos: Pos
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.pos}: {self.severity}: {self.message} [{self.code}]"


@dataclass
class ParamDef:
    name: str
    type: str
    pos: Pos
    default: object = None
    has_default: bool = False
    hidden: bool = False
    description: str = ""
    label: str = ""
    constraints: list = field(default_factory=list)


@dataclass
class ResourceDef:
    name: str
    type: str
    pos: Pos
    depends_on: list[str] = field(default_factory=list)


@dataclass
class OutputDef:
    name: str
    pos: Pos
    description: str = ""


@dataclass
class TemplateModel:
    file: str
    version: str | None
    description: str = ""
    parameters: dict[str, ParamDef] = field(default_factory=dict)
    resources: dict[str, ResourceDef] = field(default_factory=dict)
    outputs: dict[str, OutputDef] = field(default_factory=dict)

    @property
    def hidden_parameters(self) -> set[str]:
        return {p.name for p in self.parameters.values() if p.hidden}


@dataclass
class RegionalStack:
    """An OS::Heat::Stack resource of the master: a constituent in its region."""

    resource: str
    pos: Pos
    region: str | None  # None when it cannot be resolved statically
    region_source: str  # "literal", "parameter <name>", "master", "unresolved"
    template_file: str | None
    child: TemplateModel | None
    parameters: dict[str, object] = field(default_factory=dict)  # literal or a description of the expression
    timeout: object = None
    depends_on: list[str] = field(default_factory=list)
    # Another cloud's: the Barbican secret (in the master's region) holding that cloud's login, when literal.
    credential_secret_id: str | None = None
    # Its context says how to trust that cloud's TLS (`ca_cert` or `insecure`); Heat's host trust otherwise.
    tls_given: bool = False


@dataclass(frozen=True)
class Edge:
    kind: str  # "data", "depends_on", "implicit"
    source: str  # the resource that must exist first
    target: str  # a resource name, or "outputs.<name>"
    key: str | None  # for data: the output key ("*" for all outputs); else None
    via: str | None  # for data into a stack: the child parameter it feeds
    pos: Pos

    def label(self) -> str:
        if self.kind == "data":
            return flow_label(self.source, self.key, self.target, self.via)
        return f"{self.source} → {self.target} ({self.kind})"


@dataclass
class MasterTree:
    template: TemplateModel
    region: str | None
    regional_stacks: list[RegionalStack] = field(default_factory=list)
    plain_resources: list[ResourceDef] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def stack(self, resource: str) -> RegionalStack | None:
        return next((s for s in self.regional_stacks if s.resource == resource), None)


@dataclass
class Analysis:
    tree: MasterTree | None
    findings: list[Finding] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # get_file targets: the files and URLs sent to Heat

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]
