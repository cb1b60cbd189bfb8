"""Acting from the console: the action menu, confirmations, journal, launch.

Every mutation goes through core.acting.actions (the same code as the CLI), so
read-only mode, the journal and double-submission protection hold here too.
Confirmations default to Cancel; delete needs the stack's name typed (a master's: the number of
stacks it deletes, which it lists region by region).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from mrconsole.core.acting import protect
from mrconsole.core.acting.action_table import info
from mrconsole.core.acting.by_hand import keep
from mrconsole.core.acting.choices import LABELS
from mrconsole.core.acting.create import execute_create
from mrconsole.core.acting.launch import FormField, form_fields, load
from mrconsole.core.acting.plan import parse_parameter_text
from mrconsole.core.errors import CloudError, PlanError
from mrconsole.core.live.view import Analysis
from mrconsole.tui.access import ConsoleAccess
from mrconsole.tui.messages import Change, Outcome, perform
from mrconsole.tui.planning import planned
from mrconsole.tui.screens.table import TableScreen
from mrconsole.tui.widgets.footer import SteadyFooter
from mrconsole.tui.widgets.plain import Button, Checkbox, DataTable, Input, Label, Option, OptionList, Static


class ActionMenu(ConsoleAccess, ModalScreen[str]):
    """The actions that fit the stack's state (core/acting/choices.py); the others greyed, with why."""

    BINDINGS = [Binding("escape", "dismiss('')", "Cancel", id="cancel-menu")]

    def __init__(self, title: str, choices):
        super().__init__(id="action-menu")
        self._what = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-box"):
            yield Label(Text(f"Act on {self._what}", style="bold"))
            yield OptionList(*[self._option(c) for c in self._choices], id="menu")

    @staticmethod
    def _option(choice) -> Option:
        found = info(choice.action)
        label = Text(found.label if found else LABELS.get(choice.action, choice.action))
        if not choice.allowed:
            label.append(f"  ({choice.reason})", style="italic")
        return Option(label, id=choice.action, disabled=not choice.allowed)

    def on_mount(self) -> None:
        menu = self.query_one(OptionList)
        menu.focus()
        allowed = [i for i, c in enumerate(self._choices) if c.allowed]
        menu.highlighted = allowed[0] if allowed else None

    def refuse(self, choices) -> None:
        """Grey what Heat's policy refuses, known after the menu opened (the same entries, in order)."""
        if not self.query(OptionList):  # not composed yet: it is composed with these
            self._choices = list(choices)
            return
        menu = self.query_one(OptionList)
        for old, new in zip(self._choices, choices, strict=True):
            if old.allowed and not new.allowed:
                menu.replace_option_prompt(new.action, self._option(new).prompt)
                menu.disable_option(new.action)
        self._choices = list(choices)
        if menu.highlighted is not None and not self._choices[menu.highlighted].allowed:
            allowed = [i for i, c in enumerate(self._choices) if c.allowed]
            menu.highlighted = allowed[0] if allowed else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


_SEVERITY = {"blocking": ("✖ ", "bold red"), "warning": ("! ", "bold yellow"), "info": ("· ", "cyan")}


def findings_text(findings) -> Text:
    """The preflight, one finding per line, worst first."""
    order = {"blocking": 0, "warning": 1, "info": 2}
    text = Text()
    for f in sorted(findings, key=lambda f: order[f.severity]):
        mark, style = _SEVERITY[f.severity]
        text.append(mark + f.message, style=style)
        if f.instead:
            text.append(f"\n   instead: {f.instead}", style="dim")
        text.append("\n")
    text.rstrip()
    return text


class ConfirmScreen(ConsoleAccess, ModalScreen[str]):
    """Presents an ActionPlan (core/acting/plan.py) and asks.

    Returns 'confirm', 'master' (the plan's through-the-master alternative)
    or '' (cancel, the default). Parameters and the typed name are checked
    here with the core's own rules, before the screen closes.
    """

    BINDINGS = [
        Binding("escape", "dismiss('')", "Cancel", id="cancel-confirm"),
        Binding("y", "copy_by_hand", "Copy the openstack command", id="copy-by-hand"),
    ]

    def __init__(self, plan):
        super().__init__(id="confirm")
        self.plan = plan
        self.parameters: dict[str, str] = {}
        self.typed_name = ""
        self.typed_region = ""
        self.snapshot_first = False
        self._sent = False

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="confirm-box"):
            yield Static(Text(plan.question[0].upper() + plan.question[1:], style="bold"))
            if plan.effect:
                yield Static(Text(plan.effect), id="plan-effect")
            yield Static(
                findings_text(plan.findings)
                if plan.findings
                else Text("✓ preflight: nothing stands in the way", style="green"),
                id="preflight",
            )
            by_hand = plan.by_hand()
            if by_hand:
                yield Static(Text("by hand (y copies): " + " ; ".join(by_hand), style="dim"), id="by-hand")
            if plan.action == "update":
                yield Input(  # a stack with hidden parameters: what is typed is not shown (#33)
                    placeholder="KEY=VALUE KEY2='a value' (only these change)"
                    + (f"; hidden: {', '.join(sorted(plan.hidden))}, not shown as typed" if plan.hidden else ""),
                    password=bool(plan.hidden),
                    id="patch-params",
                )
            if plan.confirm_name:
                yield Input(placeholder=plan.confirm_prompt, id="typed-name")
            if plan.protected:
                yield Input(placeholder=protect.prompt(plan.protected), id="typed-region")
            yield Static("", id="confirm-error")
            if plan.action in ("update", "reapply"):
                what = "each constituent in its region" if plan.is_master else "its resources"
                yield Checkbox(f"Snapshot first ({what}); a failed snapshot sends nothing", id="snapshot-first")
                yield Static("", id="plan-preview")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                if plan.action in ("update", "reapply"):
                    yield Button("Preview", id="preview")
                if plan.through_master is not None:
                    yield Button(f"Through the master {plan.through_master.name}", id="master", variant="success")
                label = "Act directly (drift)" if plan.creates_drift else "Confirm"
                # Heat will refuse: nothing to confirm (the CLI's --force is the deliberate way round).
                yield Button(label, id="confirm", variant="error", disabled=bool(plan.blocking))

    def on_mount(self) -> None:
        if self.plan.action == "update":
            self.query_one("#patch-params", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def _refuse(self, message: str) -> None:
        self.query_one("#confirm-error", Static).update(Text(message, style="red"))

    def _ready(self) -> bool:
        """The core's checks of what was typed; a problem is shown here and nothing closes."""

        if self.plan.action == "update":
            try:
                self.parameters = parse_parameter_text(self.query_one("#patch-params", Input).value)
            except PlanError as exc:
                self._refuse(str(exc))
                return False
            if not self.parameters:
                self._refuse("give at least one KEY=VALUE to change: nothing will be sent")
                return False
            blocking = self.plan.with_parameters(self.parameters).blocking
            if blocking:
                self._refuse(f"{blocking[0].message}: nothing will be sent")
                return False
        if self.plan.protected:
            self.typed_region = self.query_one("#typed-region", Input).value.strip()
            refused = protect.refusal(self.plan.protected, self.typed_region, self.plan.action)
            if refused:
                self._refuse(f"type {protect.expected(self.plan.protected)} (protected): nothing will be sent")
                return False
        if self.plan.confirm_name:
            self.typed_name = self.query_one("#typed-name", Input).value.strip()
            if self.typed_name != self.plan.confirm_name:
                self._refuse(f"that is not {self.plan.confirm_name}: nothing will be deleted")
                return False
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss("")
        elif event.button.id == "preview":
            if self.plan.action == "reapply" or self._ready():
                self.query_one("#confirm-error", Static).update("")
                self._show_by_hand()
                self.query_one("#plan-preview", Static).update(Text("asking every region…", style="dim"))
                self.run_worker(self._preview(), group="preview", exclusive=True, exit_on_error=False)
        elif event.button.id in ("master", "confirm"):
            if self._sent:
                return  # a second press submits nothing
            if event.button.id == "confirm" and not self._ready():
                return
            self._sent = True
            if self.plan.action in ("update", "reapply"):
                self.snapshot_first = self.query_one("#snapshot-first", Checkbox).value
            self.dismiss(event.button.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#cancel", Button).focus()

    def _show_by_hand(self) -> None:
        """The command line again, with the parameters typed (hidden ones as <NAME>)."""
        plan = self.plan.with_parameters(self.parameters) if self.parameters else self.plan
        lines = plan.by_hand()
        if lines and self.query("#by-hand"):
            self.query_one("#by-hand", Static).update(Text("by hand (y copies): " + " ; ".join(lines), style="dim"))

    async def action_copy_by_hand(self) -> None:
        """The `openstack` command for this action (the parameters typed so far, hidden ones as <NAME>), to the
        terminal's clipboard (OSC 52: over SSH and tmux too) and to a file, for a terminal that takes no copy."""
        plan = self.plan
        if plan.action == "update":
            try:
                plan = plan.with_parameters(parse_parameter_text(self.query_one("#patch-params", Input).value))
            except PlanError:
                pass  # the command without them: the parameters are said where they are typed
        lines = plan.by_hand()
        if not lines:
            self.notify("no single openstack command does this", severity="warning")
            return
        self.app.copy_to_clipboard("\n".join(lines))
        try:
            path = await asyncio.to_thread(keep, lines)
        except OSError as exc:
            self.notify(f"copied (OSC 52); not written to a file: {exc.strerror or exc}", severity="warning")
            return
        self.notify(f"copied (OSC 52) and written to {path}")

    async def _preview(self) -> None:
        """What the update changes in every region, from Heat (core/acting/preview.py, as `--preview`)."""

        try:
            preview = await self.session.preview_update(self.plan.stack, self.parameters)
        except CloudError as exc:
            self.query_one("#plan-preview", Static).update(Text(f"no preview: {exc.message}", style="red"))
            return
        text = Text()
        for line in preview.lines():
            text.append(line + "\n", style="cyan" if not line.startswith(" ") else "")
        text.rstrip()
        self.query_one("#plan-preview", Static).update(text)


class JournalScreen(TableScreen):
    """Every action taken from this machine (state/journal.py), newest first."""

    BINDINGS = [Binding("escape", "app.back", "Back", id="back"), Binding("r", "reload", "Reload", id="reload")]
    HEAD, TABLE, ZEBRA = "journal-title", "journal", True
    # What happened first (time, outcome, action), then where: at 80 columns the outcome was the sixth
    # column, past the screen's edge, and "did it fail?" is the first thing an operator asks of a journal.
    COLUMNS = ("Time (UTC)", "Outcome", "Action", "Region", "Stack", "Message", "User", "Request")

    def heading(self) -> Text:
        return Text(" Journal: every action taken from this machine", style="bold")

    async def _load(self) -> None:
        entries = await self.session.journal(200)
        table = self.query_one(DataTable)
        table.clear()
        for e in entries:
            action = e.action + (" (out-of-band)" if e.out_of_band else "")
            style = {"failed": "red", "pending": "yellow", "refused": "yellow"}.get(e.outcome, "green")
            table.add_row(
                time.strftime("%m-%d %H:%M:%S", time.gmtime(e.started_at)),
                Text(e.outcome, style=style),
                action,
                e.region,
                e.stack_name,
                (e.message or "")[:60],
                e.user,
                e.request_id or "",
            )
        table.focus()


class LaunchScreen(ConsoleAccess, Screen):
    """Template, environment, name, region(s) → parameter form → the core's create plan → preview → create.

    The form's fields come from the template's analysis (loaded in a worker). Preview and Create plan the
    create in the core with the values typed now (core/acting/create.py, the same planner as
    `mrconsole stack create`): its preflight, its journal entries and its hidden parameters."""

    BINDINGS = [Binding("escape", "app.back", "Back", id="back")]

    def __init__(self, template: str = ""):
        super().__init__(id="launch")
        self.template = template
        self.analysis: Analysis | None = None
        self.fields: list[FormField] = []
        self._submitted = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="launch-body"):
            yield Label("Template file")
            yield Input(value=self.template, id="launch-template")
            yield Label("Environment files (comma-separated)")
            yield Input(id="launch-env")
            yield Label("Stack name")
            yield Input(id="launch-name")
            yield Label("Region(s): one for a master, several to fan out the same template")
            yield Input(id="launch-regions")
            yield Label("Timeout in minutes (empty: the cloud's default)")
            yield Input(id="launch-timeout", type="integer")
            yield Button("Load template", id="launch-load")
            yield Static("", id="launch-findings")
            yield Vertical(id="launch-form")
            with Horizontal(id="launch-buttons"):
                yield Button("Preview", id="launch-preview", disabled=True)
                yield Button("Create", id="launch-create", variant="error", disabled=True)
            yield Static("", id="launch-result")
        yield SteadyFooter()

    def on_mount(self) -> None:
        if self.session.region_names:
            self.query_one("#launch-regions", Input).value = self.session.region_names[0]
        self.query_one("#launch-template", Input).focus()

    def _regions(self) -> list[str]:
        return [r.strip() for r in self.query_one("#launch-regions", Input).value.split(",") if r.strip()]

    def _envs(self) -> list[str]:
        return [e.strip() for e in self.query_one("#launch-env", Input).value.split(",") if e.strip()]

    def _values(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#param-{f.name}", Input).value for f in self.fields}

    def _timeout(self) -> int | None:
        text = self.query_one("#launch-timeout", Input).value.strip()
        return int(text) if text.isdigit() else None

    def _template_path(self) -> str:
        return self.query_one("#launch-template", Input).value.strip()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "launch-load":
            self.run_worker(self.load(), group="launch-load", exclusive=True, exit_on_error=False)
        elif event.button.id == "launch-preview":
            self.run_worker(self.preview(), group="launch", exclusive=True, exit_on_error=False)
        elif event.button.id == "launch-create":
            if not self._submitted:
                self._submitted = True
                self.run_worker(self.create(), group="launch", exclusive=True, exit_on_error=False)

    async def load(self) -> None:
        """The template's analysis, for the form (in a thread: a big template must not freeze the screen)."""

        path = self._template_path()
        if not Path(path).is_file():
            self.query_one("#launch-findings", Static).update(Text(f"{path or 'template'}: no such file", "red"))
            return
        regions = self._regions()
        analysis = await asyncio.to_thread(
            load, path, self._envs(), regions[0] if regions else None, self.session.region_names
        )
        self.analysis = analysis
        fields = form_fields(analysis)
        widgets: list[Widget] = []
        for f in fields:
            label = f"{f.name} ({f.type}{', hidden' if f.hidden else ''}{', required' if f.required else ''})"
            widgets.append(Label(Text(label, style="bold")))
            if f.description:
                widgets.append(Label(Text(f.description, style="dim")))
            widgets += [
                Input(value=f.default, password=f.hidden, id=f"param-{f.name}"),
                Static("", id=f"error-{f.name}", classes="field-error"),
            ]
        self.fields = []  # no check of a form half built
        form = self.query_one("#launch-form", Vertical)
        await form.remove_children()
        await form.mount_all(widgets)
        self.fields = fields
        self._show_findings(analysis.findings)

    def _show_findings(self, findings) -> None:
        """The analysis as loaded, before values: a parameter that needs one is asked for in the form."""
        text = Text()
        for finding in findings:
            if finding.code == "MR052" and finding.severity != "error":
                continue
            text.append(str(finding) + "\n", style="red" if finding.severity == "error" else "yellow")
        self.query_one("#launch-findings", Static).update(text or Text("template analysis: clean", "green"))
        self._validate()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id and (
            event.input.id.startswith("param-") or event.input.id in ("launch-name", "launch-regions", "launch-timeout")
        ):
            self._validate()

    def _validate(self) -> bool:
        """What can be told while typing (each value against its own constraints); the plan decides the rest."""
        ok = self.analysis is not None and not self.analysis.errors
        for f in self.fields:
            problems = f.check(self.query_one(f"#param-{f.name}", Input).value)
            self.query_one(f"#error-{f.name}", Static).update(Text("; ".join(problems), style="red"))
            ok = ok and not problems
        ok = ok and bool(self.query_one("#launch-name", Input).value.strip()) and bool(self._regions())
        self.query_one("#launch-preview", Button).disabled = not ok
        self.query_one("#launch-create", Button).disabled = not ok or not self.console.allows("launch")
        return ok

    def _params(self) -> dict[str, str]:
        values = self._values()
        return {f.name: values[f.name] for f in self.fields if values[f.name] != "" and values[f.name] != f.default}

    async def _plan(self, probe: bool):
        """The core's create plan with what is typed now; None (said on screen) when it cannot be made."""

        try:
            name = self.query_one("#launch-name", Input).value
            return await planned(
                self.app,
                f"create of {name}",
                self.session.plan_create(
                    name,
                    self._regions(),
                    self._template_path(),
                    self._envs(),
                    self._params(),
                    timeout_mins=self._timeout(),
                    read_only=self.console.read_only,
                    probe=probe,
                ),
            )
        except PlanError as exc:
            self.query_one("#launch-result", Static).update(Text(str(exc), "red"))
            return None

    async def preview(self) -> None:

        if not self._validate():
            return
        plan = await self._plan(probe=False)
        if plan is None:
            return
        if plan.blocking:
            self.query_one("#launch-result", Static).update(findings_text(plan.blocking))
            return
        try:
            groups = await self.session.preview_create(plan)
        except CloudError as exc:
            self.query_one("#launch-result", Static).update(Text(f"preview refused: {exc.message}", "red"))
            return
        text = Text("Preview:\n", style="bold")
        for region, items in groups.items():
            text.append(f"{region}\n", style="cyan")
            for item in items:
                text.append(f"  + {item}\n")
        self.query_one("#launch-result", Static).update(text)

    async def _launch(self, plan) -> Outcome:
        """Asked and sent by tui/acting.py. A plan the preflight refuses is not asked about: the core journals
        the refusal in every region and sends nothing (the same entries as `stack create`)."""
        where = ", ".join(plan.regions)
        lines = [f"Heat creates {plan.name} in {where} from {plan.template}."]
        if plan.parameters:
            lines.append("parameters: " + ", ".join(sorted(plan.parameters)))
        lines += [str(f) for f in plan.findings]
        change = Change(
            f"Create {plan.name} in {where}?",
            lines,
            f"create of {plan.name}",
            plan.regions,
            declined="not created: nothing was sent",
            asked=not plan.blocking,
        )
        read_only = self.console.read_only
        return await perform(self, change, lambda acts, _typed: execute_create(acts.actions(read_only), plan))

    async def create(self) -> None:

        try:
            if not self._validate():
                return
            plan = await self._plan(probe=True)
            if plan is None:
                return
            outcome = await self._launch(plan)
        finally:
            self._submitted = False
        if isinstance(outcome.error, PlanError):
            self.query_one("#launch-result", Static).update(
                findings_text(plan.blocking).append(f"\n{outcome.error}", style="dim")
            )
            return
        if outcome.error is not None:
            self.query_one("#launch-result", Static).update(Text(str(outcome.error), "red"))
            return
        if not outcome.sent:
            return
        results = outcome.value
        text = Text()
        for r in results:
            text.append(
                f"{r.region}: {r.action} {r.stack_name}: {'accepted' if r.ok else r.message}\n",
                style="green" if r.ok else "red",
            )
        text.append("Progress appears in the live event stream.", style="dim")
        self.query_one("#launch-result", Static).update(text)
