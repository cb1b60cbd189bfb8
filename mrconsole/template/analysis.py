"""Analyse a master template: the tree, data flow, and what cannot work.

Everything that template, environment and parameters already decide is
checked here, before anything is sent to Heat. Each finding has a stable
code (see CODES), a severity and a file:line:col.
"""

from __future__ import annotations

import os
from pathlib import Path

from mrconsole.template import constraints
from mrconsole.template.heat import (
    LITERAL,
    MASTER,
    PARAMETER,
    REMOTE_STACK,
    RegionExpression,
    credential_secret,
    region_expression,
)
from mrconsole.template.loader import Pos, TemplateSyntaxError, key_pos_of, loads, pos_of
from mrconsole.template.model import (
    ERROR,
    NOTE,
    WARNING,
    Analysis,
    Edge,
    Finding,
    MasterTree,
    OutputDef,
    ParamDef,
    RegionalStack,
    ResourceDef,
    TemplateModel,
)

STACK_ATTRIBUTES = ("outputs", "stack_name")
# Versions Heat 27 accepts (dates and their release aliases).
KNOWN_VERSIONS = {
    "2013-05-23",
    "2014-10-16",
    "2015-04-30",
    "2015-10-15",
    "2016-04-08",
    "2016-10-14",
    "2017-02-24",
    "2017-09-01",
    "2018-03-02",
    "2018-08-31",
    "2021-04-16",
    "newton",
    "ocata",
    "pike",
    "queens",
    "rocky",
    "wallaby",
}
FUNCTIONS = {"get_param", "get_attr", "get_resource", "get_file"}

CODES = {
    "MR001": "YAML or JSON syntax error",
    "MR002": "duplicate key",
    "MR003": "not a Heat template, or a template version Heat does not know",
    "MR004": "a file named by get_file, a nested template type or -e is missing",
    "MR005": "malformed section (parameters, resources or outputs is not a mapping)",
    "MR010": "region not in the cloud's catalog",
    "MR011": "region expression cannot be resolved",
    "MR012": "region expression is not static; it is resolved only by Heat",
    "MR013": "a constituent with credential_secret_id is made in the master's own cloud and region",
    "MR014": "ca_cert is a path, not the certificate's text",
    "MR020": "output referenced that the child template does not define",
    "MR021": "parameter passed that the child template does not declare",
    "MR022": "required child parameter (no default) not passed",
    "MR023": "value passed breaks the child parameter's type or constraints",
    "MR030": "dependency cycle",
    "MR031": "child template refers to a resource that lives in another template (another region)",
    "MR033": "reference to a resource that does not exist",
    "MR034": "get_attr given something other than a list [resource, attribute, ...]",
    "MR040": "OS::Heat::Stack without a template",
    "MR041": "reaching into a constituent's internals (only outputs and stack_name are attributes)",
    "MR050": "get_param of a parameter that is not declared",
    "MR051": "value given for a parameter the master does not declare",
    "MR052": "required master parameter has no value",
    "MR053": "value breaks the master parameter's type or constraints",
    "MR060": "get_file of a URL: this machine fetches it and uploads it to Heat",
    "MR061": "get_file of a file outside the template's directory: it is uploaded to Heat",
}


def analyse(
    path: str | os.PathLike,
    env_files: list[str] | tuple = (),
    param_values: dict[str, str] | None = None,
    master_region: str | None = None,
    known_regions: list[str] | None = None,
    require_values: bool | None = None,
) -> Analysis:
    """Analyse a master template and its children.

    `require_values`: whether a parameter without a value is an error
    (MR052). Heat's own validation accepts such a template, so by default it
    is an error only where values are being given (any parameter or
    environment file); otherwise a note that it will be needed at launch.
    """
    if require_values is None:
        require_values = bool(param_values) or bool(env_files)
    analyser = _Analyser(known_regions)
    analyser.require_values = require_values
    return analyser.run(Path(path), list(env_files), dict(param_values or {}), master_region)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _functions(node, pos: Pos, parent=None, key=None):
    """Yield (name, args, pos, container-path) for every intrinsic function in node."""
    stack = [(node, pos)]
    seen = 0
    while stack:
        item, ipos = stack.pop()
        seen += 1
        if seen > 200_000:  # arbitrary input: bound the walk
            return
        if isinstance(item, dict):
            if len(item) == 1:
                ((fname, args),) = item.items()
                if fname in FUNCTIONS:
                    yield fname, args, getattr(item, "pos", ipos)
                    if fname == "get_file":
                        continue
            for k, v in item.items():
                stack.append((v, pos_of(item, k, ipos)))
        elif isinstance(item, list):
            for i, v in enumerate(item):
                stack.append((v, pos_of(item, i, ipos)))


class _Analyser:
    def __init__(self, known_regions):
        self.known_regions = list(known_regions) if known_regions else None
        self.require_values = True
        self.findings: list[Finding] = []
        self._parsed: dict[Path, object] = {}
        self._child_docs: dict[str, tuple] = {}
        self._texts: dict[Path, str] = {}
        self.root: Path | None = None  # the master template's directory
        self.uploads: list[str] = []  # every get_file target, in the order met: what Heat will be sent

    def add(self, code, severity, pos, message, hint=""):
        self.findings.append(Finding(code, severity, pos, message, hint))

    # -- files ---------------------------------------------------------------
    def load(self, path: Path, at: Pos | None, what: str = "template"):
        path = path.resolve()
        if path in self._parsed:
            return self._parsed[path]
        label = _display(path)
        try:
            text = path.read_text(encoding="utf-8")
            self._texts[path] = text
        except (OSError, UnicodeDecodeError) as exc:
            reason = "not found" if isinstance(exc, FileNotFoundError) else getattr(exc, "strerror", None) or str(exc)
            self.add(
                "MR004",
                ERROR,
                at or Pos(label, 1, 1),
                f"{what} {label}: {reason}",
                "check the path; it is relative to the file that names it",
            )
            self._parsed[path] = None
            return None
        duplicates: list[TemplateSyntaxError] = []
        try:
            doc = loads(text, label, duplicates=duplicates)
        except TemplateSyntaxError as exc:
            self.add(exc.code, ERROR, exc.pos, exc.message, "fix the YAML")
            doc = None
        self._duplicates(duplicates)
        self._parsed[path] = doc
        return doc

    def _duplicates(self, duplicates, prefix: str = "") -> None:
        """Heat's YAML loader keeps the last of duplicate keys (PyYAML's mapping constructor, used by
        heat/common/template_format.py) and accepts the template: a warning, never an error."""
        for d in duplicates:
            self.add(
                "MR002",
                WARNING,
                d.pos,
                f"{prefix}{d.message}: Heat keeps this last one",
                "remove or rename one of the keys",
            )

    def resolve(self, base_file: Path, ref: str) -> Path | None:
        if not isinstance(ref, str) or not ref:
            return None
        if ref.startswith("file://"):
            return Path(ref[len("file://") :])
        if "://" in ref:
            return None  # remote URL: not read here (no network in analysis)
        return base_file.parent / ref

    # -- one template --------------------------------------------------------
    def model(self, doc, file: Path, registry: dict[str, Path]) -> TemplateModel | None:
        label = _display(file)
        top = Pos(label, 1, 1)
        if not isinstance(doc, dict):
            self.add(
                "MR003",
                ERROR,
                getattr(doc, "pos", top),
                "not a Heat template: the document is not a mapping",
                "a HOT template starts with heat_template_version",
            )
            return None
        version = doc.get("heat_template_version")
        if version is None:
            if "AWSTemplateFormatVersion" in doc:
                self.add(
                    "MR003",
                    WARNING,
                    top,
                    "CloudFormation templates are only partly analysed",
                    "convert to HOT for full checks",
                )
            else:
                self.add(
                    "MR003",
                    ERROR,
                    top,
                    "not a Heat template: heat_template_version is missing",
                    "add heat_template_version: 2018-08-31",
                )
        elif str(version) not in KNOWN_VERSIONS:
            self.add(
                "MR003",
                ERROR,
                pos_of(doc, "heat_template_version", top),
                f"heat_template_version {version} is not one Heat knows",
                "use a known version such as 2018-08-31 or 2021-04-16",
            )
        model = TemplateModel(
            file=label,
            version=str(version) if version is not None else None,
            description=str(doc.get("description") or ""),
        )
        params = doc.get("parameters") or {}
        resources = doc.get("resources") or {}
        outputs = doc.get("outputs") or {}
        for section, value in (("parameters", params), ("resources", resources), ("outputs", outputs)):
            if not isinstance(value, dict):
                self.add("MR005", ERROR, pos_of(doc, section, top), f"{section} must be a mapping")
        if isinstance(params, dict):
            for name, spec in params.items():
                spec = spec if isinstance(spec, dict) else {}
                model.parameters[str(name)] = ParamDef(
                    name=str(name),
                    type=str(spec.get("type", "string")),
                    pos=key_pos_of(params, name, top),
                    default=spec.get("default"),
                    has_default="default" in spec,
                    hidden=bool(spec.get("hidden", False)),
                    description=str(spec.get("description") or ""),
                    label=str(spec.get("label") or ""),
                    constraints=(
                        list(spec.get("constraints") or []) if isinstance(spec.get("constraints"), list) else []
                    ),
                )
        if isinstance(resources, dict):
            for name, spec in resources.items():
                spec = spec if isinstance(spec, dict) else {}
                deps = spec.get("depends_on") or []
                if isinstance(deps, str):
                    deps = [deps]
                else:
                    deps = [d for d in deps if isinstance(d, str)] if isinstance(deps, list) else []
                model.resources[str(name)] = ResourceDef(
                    name=str(name),
                    type=str(spec.get("type", "")),
                    pos=key_pos_of(resources, name, top),
                    depends_on=deps,
                )
        if isinstance(outputs, dict):
            for name, spec in outputs.items():
                spec = spec if isinstance(spec, dict) else {}
                model.outputs[str(name)] = OutputDef(
                    str(name), key_pos_of(outputs, name, top), str(spec.get("description") or "")
                )
        self.check_files(doc, file, top, registry)
        return model

    def check_files(self, doc, file: Path, top: Pos, registry: dict[str, Path]) -> None:
        """get_file targets and nested template types must exist (and parse)."""
        for fname, args, pos in _functions(doc, top):
            if fname == "get_file" and isinstance(args, str):
                target = self.resolve(file, args)
                self._upload(args, target, pos)
                if target is not None and not target.exists():
                    self.add(
                        "MR004", ERROR, pos, f"get_file target {args} does not exist", f"looked for {_display(target)}"
                    )
        resources = doc.get("resources") if isinstance(doc, dict) else None
        if not isinstance(resources, dict):
            return
        for spec, rtype in _types(resources):
            nested = registry.get(rtype)
            if nested is None and rtype.endswith((".yaml", ".yml", ".template", ".json")):
                nested = self.resolve(file, rtype)
            if nested is None:
                continue
            at = pos_of(spec, "type", top)
            self._upload(rtype, nested, at)  # a nested template is sent with the stack, as get_file's are
            if nested.resolve() in self._parsed:
                continue
            ndoc = self.load(nested, at, "nested template")
            if ndoc is not None:
                self.model(ndoc, nested, registry)

    def _upload(self, ref: str, target: Path | None, pos: Pos) -> None:
        """Say what get_file will send to Heat (#33): a URL this machine fetches (a metadata address
        included), a file outside the template's directory (`../../etc/shadow`)."""
        shown = ref if target is None else _display(target)
        if shown in self.uploads:
            return
        self.uploads.append(shown)
        if target is None:
            said = f"get_file {ref} is fetched by this machine and uploaded to Heat"
            self.add("MR060", WARNING, pos, said, "copy it beside the template if it is meant to be sent")
            return
        root = self.root or target.parent
        try:
            target.resolve().relative_to(root)
        except ValueError:
            said = (
                f"get_file {ref} reads {_display(target.resolve())}, outside {_display(root)}: it is uploaded to Heat"
            )
            self.add("MR061", WARNING, pos, said, "keep what a template sends beside it")

    # -- the master ----------------------------------------------------------
    def run(self, path: Path, env_files: list[str], cli_params: dict, master_region: str | None) -> Analysis:
        self.root = Path(path).resolve().parent
        registry: dict[str, Path] = {}
        env_values: dict = {}
        for env in env_files:
            env_path = Path(env)
            doc = self.load(env_path, None, "environment file")
            if doc is None:
                continue
            if not isinstance(doc, dict):
                self.add(
                    "MR005",
                    ERROR,
                    getattr(doc, "pos", Pos(_display(env_path), 1, 1)),
                    "an environment file must be a mapping",
                )
                continue
            for section in ("parameter_defaults", "parameters"):
                values = doc.get(section) or {}
                if isinstance(values, dict):
                    env_values.update({str(k): v for k, v in values.items()})
            reg = doc.get("resource_registry") or {}
            if isinstance(reg, dict):
                for rtype, target in reg.items():
                    if isinstance(target, str) and target.endswith((".yaml", ".yml", ".template", ".json")):
                        resolved = self.resolve(env_path, target)
                        if resolved is not None:
                            if not resolved.exists():
                                self.add(
                                    "MR004",
                                    ERROR,
                                    pos_of(reg, rtype, Pos(_display(env_path), 1, 1)),
                                    f"resource_registry target {target} does not exist",
                                )
                            registry[str(rtype)] = resolved
        doc = self.load(path, None, "template")
        if doc is None:
            return Analysis(None, self._sorted(), self.uploads)
        master = self.model(doc, path, registry)
        if master is None:
            return Analysis(None, self._sorted(), self.uploads)
        top = Pos(master.file, 1, 1)
        values = self.master_values(master, env_values, cli_params, top)
        tree = MasterTree(template=master, region=master_region)
        resources = doc.get("resources") if isinstance(doc.get("resources"), dict) else {}
        children: dict[str, TemplateModel] = {}
        for name, spec in resources.items():
            name = str(name)
            spec = spec if isinstance(spec, dict) else {}
            if spec.get("type") == REMOTE_STACK:
                stack = self.regional_stack(name, spec, resources, path, registry, values, master, master_region)
                tree.regional_stacks.append(stack)
                if stack.child:
                    children[name] = stack.child
            else:
                tree.plain_resources.append(master.resources[name])
        self.references(doc, master, tree, top)
        self.child_references(tree, master)
        self.cycles(tree, master)
        return Analysis(tree, self._sorted(), self.uploads)

    def master_values(self, master: TemplateModel, env_values: dict, cli_params: dict, top: Pos) -> dict:
        values = {n: p.default for n, p in master.parameters.items() if p.has_default}
        values.update({k: v for k, v in env_values.items() if k in master.parameters})
        for key in cli_params:
            if key not in master.parameters:
                self.add(
                    "MR051",
                    ERROR,
                    top,
                    f"-P {key}: the template declares no parameter {key}",
                    "known: " + (", ".join(master.parameters) or "none"),
                )
        values.update({k: v for k, v in cli_params.items() if k in master.parameters})
        for name, p in master.parameters.items():
            if name not in values or values[name] is None:
                if self.require_values:
                    self.add(
                        "MR052",
                        ERROR,
                        p.pos,
                        f"parameter {name} has no default and no value",
                        f"pass -P {name}=VALUE or set it in an environment file",
                    )
                else:
                    self.add(
                        "MR052",
                        NOTE,
                        p.pos,
                        f"parameter {name} has no default: a value will be needed at launch",
                        f"pass -P {name}=VALUE to check it now",
                    )
                continue
            for problem in constraints.check(p.type, p.constraints, values[name], hidden=p.hidden):
                self.add("MR053", ERROR, p.pos, f"parameter {name}: {problem}")
        return values

    def regional_stack(
        self, name, spec, resources, master_path, registry, values, master, master_region
    ) -> RegionalStack:
        rpos = key_pos_of(resources, name, Pos(master.file, 1, 1))
        props = spec.get("properties")
        props = props if isinstance(props, dict) else {}
        deps = master.resources[name].depends_on
        # Region
        expr, context = region_expression(spec)
        region, source = master_region, "master"
        other_cloud = isinstance(context, dict) and bool(context.get("credential_secret_id"))
        if other_cloud:
            named = None
            if expr.kind != MASTER:
                named, _ = self.region_of(expr, pos_of(context, "region_name", rpos), values, master)
            self._other_cloud(name, named, master_region, pos_of(context, "credential_secret_id", rpos))
        elif expr.kind != MASTER:
            at = pos_of(context, "region_name", rpos)
            region, source = self.region_of(expr, at, values, master)
            if region is not None and self.known_regions is not None and region not in self.known_regions:
                self.add(
                    "MR010",
                    ERROR,
                    at,
                    f"{name}: region {region} is not in the cloud's catalog",
                    "regions: " + ", ".join(self.known_regions),
                )
        self._ca_cert(name, context, rpos)
        # Template
        child = None
        template_file = None
        if "template" not in props:
            self.add(
                "MR040",
                ERROR,
                rpos,
                f"{name}: OS::Heat::Stack has no template property",
                "add template: {get_file: child.yaml}",
            )
        else:
            tval = props["template"]
            tpos = pos_of(props, "template", rpos)
            if isinstance(tval, dict) and set(tval) == {"get_file"} and isinstance(tval["get_file"], str):
                child_path = self.resolve(master_path, tval["get_file"])
                if child_path is not None:
                    template_file = _display(child_path)
                    if child_path.exists():
                        cdoc = self.load(child_path, tpos, "child template")
                        if cdoc is not None:
                            child = self.model(cdoc, child_path, registry)
                            self._child_docs[name] = (cdoc, child)
            elif isinstance(tval, str):
                template_file = f"{master.file}[{name}.template]"
                line_off, col_off = self._block_offset(master_path, tpos)
                duplicates: list[TemplateSyntaxError] = []
                try:
                    cdoc = loads(tval, master.file, line_off, col_off, duplicates=duplicates)
                except TemplateSyntaxError as exc:
                    self.add(exc.code, ERROR, tpos, f"{name}: inline template: {exc.message}")
                    cdoc = None
                self._duplicates(duplicates, f"{name}: inline template: ")
                if cdoc is not None:
                    child = self.model(cdoc, master_path, registry)
                    if child:
                        self._child_docs[name] = (cdoc, child)
        # Parameters passed
        passed = props.get("parameters")
        passed = passed if isinstance(passed, dict) else {}
        ppos = pos_of(props, "parameters", rpos)
        shown = {}
        for key, value in passed.items():
            key = str(key)
            kpos = key_pos_of(passed, key, ppos)
            shown[key] = _describe(value)
            if child is None:
                continue
            cparam = child.parameters.get(key)
            if cparam is None:
                self.add(
                    "MR021",
                    ERROR,
                    kpos,
                    f"{name}: parameter {key} is not declared by {child.file}",
                    "declared: " + (", ".join(child.parameters) or "none"),
                )
                continue
            static, known = _static_value(value, values)
            if known:
                for problem in constraints.check(cparam.type, cparam.constraints, static, hidden=cparam.hidden):
                    self.add(
                        "MR023",
                        ERROR,
                        pos_of(passed, key, kpos),
                        f"{name}: parameter {key}: {problem}",
                        f"see {child.file}:{cparam.pos.line}",
                    )
        if child is not None:
            for pname, p in child.parameters.items():
                if not p.has_default and pname not in passed:
                    self.add(
                        "MR022",
                        ERROR,
                        key_pos_of(props, "parameters", rpos) if passed else rpos,
                        f"{name}: required parameter {pname} of {child.file} is not passed",
                        f"pass it under {name}.properties.parameters",
                    )
        return RegionalStack(
            resource=name,
            pos=rpos,
            region=region,
            region_source=source,
            template_file=template_file,
            child=child,
            parameters=shown,
            timeout=props.get("timeout"),
            depends_on=list(deps),
            credential_secret_id=_secret_of(context, values),
            tls_given=isinstance(context, dict) and bool(context.get("ca_cert") or context.get("insecure")),
        )

    def _block_offset(self, path: Path, at: Pos) -> tuple[int, int]:
        """Where an inline `template: |` block's text starts in its file."""
        lines = self._texts.get(path.resolve(), "").splitlines()
        if 0 < at.line <= len(lines) and lines[at.line - 1].rstrip().endswith(("|", "|-", "|+", ">", ">-", ">+")):
            for following in lines[at.line :]:
                if following.strip():
                    return at.line, len(following) - len(following.lstrip())
        return at.line - 1, at.col - 1

    def _other_cloud(self, name: str, region: str | None, master_region: str | None, at: Pos) -> None:
        """A constituent meant for another cloud (`credential_secret_id`). Heat (remote_stack.py
        `_prepare_cloud_context`, unchanged since Stein) builds its context from the master's, touches that
        context's `keystone_session` (which binds the master's own login to it) and only then sets the
        secret's login as the context's auth plugin: the secret's login is checked against its Keystone, but
        the stack is looked up and made through the master's own cloud, under the master's region name
        (`region_name` is not passed on). Seen on the two-cloud lab (tests/lab/test_barbican.py): a secret
        holding lab-edge's login made the stack in the master's cloud, RegionOne; lab-edge had none."""
        where = master_region or "the master's region"
        besides = f", not {region}" if region is not None and region != master_region else ""
        self.add(
            "MR013",
            WARNING,
            at,
            f"{name}: with credential_secret_id, Heat makes the stack in the master's own cloud, in {where}"
            f"{besides}, whatever cloud the secret logs in to (it checks that login, then sends through its own)",
            "for another cloud, make that stack there as a master of its own and pass it values as parameters",
        )

    def _ca_cert(self, name: str, context, rpos: Pos) -> None:
        """`context.ca_cert` is the certificate's text: Heat writes it to a file of its own (remote_stack.py
        TempCACertFile). A path there is read as a certificate and every request fails TLS (seen on the lab:
        "X509: NO_CERTIFICATE_OR_CRL_FOUND")."""
        if not isinstance(context, dict):
            return
        ca = context.get("ca_cert")
        if isinstance(ca, str) and ca.strip() and "-----BEGIN" not in ca:
            self.add(
                "MR014",
                ERROR,
                pos_of(context, "ca_cert", rpos),
                f"{name}: ca_cert is the certificate's PEM text, not a path: Heat writes it to a file itself",
                "ca_cert: {get_file: ca.pem}",
            )

    def region_of(self, expr: RegionExpression, at: Pos, values: dict, master: TemplateModel):
        """Resolve a region expression (template/heat.py) and say why it cannot be, as a finding."""
        if expr.kind == LITERAL:
            return expr.value, "literal"
        if expr.kind == PARAMETER:
            pname = expr.value
            if pname not in master.parameters:
                self.add(
                    "MR011",
                    ERROR,
                    at,
                    f"region_name: get_param {pname}: no such parameter",
                    "declare it under parameters",
                )
                return None, "unresolved"
            value = values.get(pname)
            if value is None:
                self.add(
                    "MR011",
                    ERROR,
                    at,
                    f"region_name: parameter {pname} has no value",
                    f"pass -P {pname}=REGION or give it a default",
                )
                return None, "unresolved"
            return str(value), f"parameter {pname}"
        self.add(
            "MR012",
            WARNING,
            at,
            "region_name is not a literal or get_param; it cannot be checked here",
            "use a literal region or get_param",
        )
        return None, "unresolved"

    # -- references ----------------------------------------------------------
    def references(self, doc, master: TemplateModel, tree: MasterTree, top: Pos) -> None:
        stacks = {s.resource: s for s in tree.regional_stacks}
        resources = doc.get("resources") if isinstance(doc.get("resources"), dict) else {}
        consumers = [(str(n), spec) for n, spec in resources.items()]
        outputs = doc.get("outputs") if isinstance(doc.get("outputs"), dict) else {}
        consumers += [(f"outputs.{n}", spec) for n, spec in outputs.items()]
        for consumer, spec in consumers:
            if not isinstance(spec, dict):
                continue
            cpos = getattr(spec, "pos", top)
            is_resource = not consumer.startswith("outputs.")
            if is_resource:
                for dep in master.resources[consumer].depends_on:
                    if dep not in master.resources:
                        self.add(
                            "MR033",
                            ERROR,
                            pos_of(spec, "depends_on", cpos),
                            f"{consumer}: depends_on {dep}: no such resource",
                        )
                    else:
                        tree.edges.append(
                            Edge("depends_on", dep, consumer, None, None, pos_of(spec, "depends_on", cpos))
                        )
            passed = {}
            props = spec.get("properties")
            if consumer in stacks and isinstance(props, dict) and isinstance(props.get("parameters"), dict):
                passed = props["parameters"]
            found = [f for k, v in spec.items() if k != "depends_on" for f in _functions(v, pos_of(spec, k, cpos))]
            for fname, args, pos in found:
                if fname == "get_param":
                    pname = _named(fname, args)
                    if isinstance(pname, str) and pname not in master.parameters and not pname.startswith("OS::"):
                        self.add("MR050", ERROR, pos, f"{consumer}: get_param {pname}: no such parameter")
                elif fname == "get_attr" and not isinstance(args, list):
                    self._get_attr_not_a_list(f"{consumer}: ", args, pos)
                elif fname in ("get_attr", "get_resource"):
                    target = _named(fname, args)
                    if not isinstance(target, str):
                        continue
                    if target not in master.resources:
                        self.add("MR033", ERROR, pos, f"{consumer}: {fname} {target}: no such resource")
                        continue
                    if fname == "get_attr" and target in stacks:
                        self.stack_attr(consumer, target, args, pos, stacks[target], tree, passed)
                    elif target != consumer:
                        tree.edges.append(Edge("implicit", target, consumer, None, None, pos))

    def _get_attr_not_a_list(self, where: str, args, pos: Pos) -> None:
        """Heat refuses it: 'Argument to "get_attr" must be a list' (heat/engine/hot/functions.py,
        GetAttThenSelect._parse_args); it is not a missing resource."""
        self.add(
            "MR034",
            ERROR,
            pos,
            f"{where}get_attr {args!r}: its argument must be a list [resource, attribute, ...]",
            f"write get_attr: [{args}, ATTRIBUTE]" if isinstance(args, str) else "",
        )

    def stack_attr(self, consumer, target, args, pos, stack: RegionalStack, tree, passed) -> None:
        attr = args[1] if len(args) > 1 else None
        if attr not in STACK_ATTRIBUTES:
            self.add(
                "MR041",
                ERROR,
                pos,
                f"{consumer}: get_attr {target} {attr}: a constituent exposes only outputs and stack_name",
                f"add an output to {stack.template_file or 'the child template'} and read outputs instead",
            )
            return
        if attr == "stack_name":
            tree.edges.append(Edge("implicit", target, consumer, None, None, pos))
            return
        key = args[2] if len(args) > 2 else "*"
        if isinstance(key, str) and key != "*" and stack.child is not None and key not in stack.child.outputs:
            self.add(
                "MR020",
                ERROR,
                pos,
                f"{consumer}: {target} has no output {key}",
                f"{stack.child.file} defines: " + (", ".join(stack.child.outputs) or "no outputs"),
            )
        via = None
        for pname, pvalue in passed.items():
            if any(a == args for f, a, _ in _functions({"x": pvalue}, pos) if f == "get_attr"):
                via = str(pname)
                break
        tree.edges.append(Edge("data", target, consumer, key if isinstance(key, str) else "*", via, pos))

    def child_references(self, tree: MasterTree, master: TemplateModel) -> None:
        owner = {name: "the master" for name in master.resources}
        for s in tree.regional_stacks:
            if s.child:
                for rname in s.child.resources:
                    owner.setdefault(rname, f"{s.resource} ({s.region or 'unknown region'})")
        for cdoc, child in self._child_docs.values():
            top = Pos(child.file, 1, 1)
            for fname, args, pos in _functions(cdoc, top):
                if fname == "get_param":
                    pname = _named(fname, args)
                    if isinstance(pname, str) and pname not in child.parameters and not pname.startswith("OS::"):
                        self.add("MR050", ERROR, pos, f"get_param {pname}: {child.file} declares no such parameter")
                elif fname == "get_attr" and not isinstance(args, list):
                    self._get_attr_not_a_list("", args, pos)
                elif fname in ("get_attr", "get_resource"):
                    target = _named(fname, args)
                    if not isinstance(target, str) or target in child.resources:
                        continue
                    elsewhere = owner.get(target)
                    if elsewhere:
                        self.add(
                            "MR031",
                            ERROR,
                            pos,
                            f"{fname} {target}: that resource lives in {elsewhere}, not in {child.file}; "
                            "a stack cannot reach another stack's resources",
                            "pass the value in as a parameter from the master (get_attr outputs)",
                        )
                    else:
                        self.add("MR033", ERROR, pos, f"{fname} {target}: no such resource in {child.file}")
            for rname, res in child.resources.items():
                for dep in res.depends_on:
                    if dep not in child.resources:
                        self.add(
                            "MR033", ERROR, res.pos, f"{rname}: depends_on {dep}: no such resource in {child.file}"
                        )

    def cycles(self, tree: MasterTree, master: TemplateModel) -> None:
        graph: dict[str, set[str]] = {n: set() for n in master.resources}
        for e in tree.edges:
            if e.target in graph and e.source in graph:
                graph[e.target].add(e.source)
        state: dict[str, int] = {}
        reported: set[frozenset] = set()

        def visit(node, path):
            state[node] = 1
            path.append(node)
            for dep in sorted(graph[node]):
                if state.get(dep) == 1:
                    cycle = path[path.index(dep) :] + [dep]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        self.add(
                            "MR030",
                            ERROR,
                            master.resources[dep].pos,
                            "dependency cycle: " + " → ".join(reversed(cycle)),
                            "break the cycle: one of these must not need the other",
                        )
                elif state.get(dep) is None:
                    visit(dep, path)
            path.pop()
            state[node] = 2

        for node in sorted(graph):
            if state.get(node) is None:
                visit(node, [])

    def _sorted(self) -> list[Finding]:
        unique = list(dict.fromkeys(self.findings))
        return sorted(unique, key=lambda f: (f.pos.file, f.pos.line, f.pos.col, f.code))


def _types(node):
    """Every (mapping, type) under a template's resources: a resource's own type and any a property holds
    (a ResourceGroup's `resource_def`, an AutoScalingGroup's `resource`), as heatclient's template_utils
    finds the nested templates it uploads: any `type` key, at any depth."""
    if isinstance(node, dict):
        if isinstance(node.get("type"), str):
            yield node, node["type"]
        for value in node.values():
            yield from _types(value)
    elif isinstance(node, list):
        for value in node:
            yield from _types(value)


def _named(fname: str, args):
    """The parameter or resource a get_param/get_attr/get_resource call names."""
    if fname in ("get_param", "get_attr") and isinstance(args, list):
        return args[0] if args else None
    return args


def _static_value(value, values: dict):
    """(value, True) when known before deploy: a literal or a resolved get_param."""
    if isinstance(value, (str, int, float, bool)):
        return value, True
    if isinstance(value, dict) and set(value) == {"get_param"} and isinstance(value["get_param"], str):
        name = value["get_param"]
        if name in values and values[name] is not None:
            return values[name], True
    return None, False


def _describe(value) -> object:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fname, args),) = value.items()
        if fname == "get_param":
            return f"get_param {args}"
        if fname == "get_attr" and isinstance(args, list):
            return "get_attr " + ".".join(str(a) for a in args)
        return f"{fname}(...)"
    return "<expression>"


def _secret_of(context: object, values: dict) -> str | None:
    """The `credential_secret_id` of an OS::Heat::Stack's context (a constituent in another cloud): a literal,
    or a master's parameter with a value (template/heat.py `credential_secret`)."""
    return credential_secret(context, values)
