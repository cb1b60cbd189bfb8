"""The package's shape, checked (#35): no import circle among mrconsole's modules (function-level imports
included: a circle hidden inside a function is still one), and no module that only re-exports names."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[2] / "mrconsole"


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
    return out


def test_the_circle_finder_finds_one():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle():
    graph = grimp.build_graph("mrconsole", exclude_type_checking_imports=True)
    modules = {m for m in graph.modules if m.startswith("mrconsole")}
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    assert _circles(edges) == []


def _only_reexports(tree: ast.Module) -> bool:
    body = [
        node
        for node in tree.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))  # the docstring
        and not isinstance(node, (ast.Import, ast.ImportFrom))
        and not (isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["__all__"])
    ]
    imports_ours = any(isinstance(n, ast.ImportFrom) and (n.module or "").startswith("mrconsole") for n in tree.body)
    return imports_ours and not body


def test_no_module_only_reexports():
    assert _only_reexports(ast.parse('"""d"""\nfrom mrconsole.x import A\n__all__ = ["A"]\n'))
    assert not _only_reexports(ast.parse("from mrconsole.x import A\n\n\ndef f():\n    return A\n"))
    found = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if _only_reexports(ast.parse(path.read_text()))
    ]
    assert found == []


# -- one way for the console to act (tui/acting.py) ---------------------------------------------------------------
TUI = PACKAGE / "tui"
ACTING_MODULE = TUI / "acting.py"


def _acting_members() -> set[str]:
    from mrconsole.core.live.view import Acting, SessionView

    names = {n for n in vars(Acting) if not n.startswith("_")}
    assert names and not names & set(dir(SessionView)), "a screen's SessionView must not have Acting's members"
    return names


def _acting_calls(tree: ast.AST, members: set[str]) -> list[str]:
    """`<x>.session.<member>(...)`, `session.<member>(...)`, and a question pushed (push_screen_wait)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        attr, owner = node.func.attr, node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if attr == "push_screen_wait" or (attr in members and owner_name == "session"):
            found.append(f"line {node.lineno}: {ast.unparse(node.func)}")
    return found


def test_the_acting_finder_finds_a_screen_that_acts_or_asks_by_itself():
    members = _acting_members()
    src = "async def f(self):\n    await self.app.push_screen_wait(X())\n    await self.session.rehome(plan, False)\n"
    assert len(_acting_calls(ast.parse(src), members)) == 2
    assert _acting_calls(ast.parse("perform(self, change, lambda acts, t: acts.rehome(plan, False))"), members) == []


def test_every_change_the_console_makes_goes_through_its_acting_module():
    """No screen, widget or app method asks (push_screen_wait) or calls the session's Acting side itself: a
    change is posted (tui/acting.py's Perform) and its send is handed the acting side there."""
    members = _acting_members()
    offenders = {
        str(path.relative_to(PACKAGE.parent)): calls
        for path in sorted(TUI.rglob("*.py"))
        if path != ACTING_MODULE and (calls := _acting_calls(ast.parse(path.read_text()), members))
    }
    assert offenders == {}
    assert _acting_calls(ast.parse(ACTING_MODULE.read_text()), members)  # where it is done, it is found


# -- every plan the console makes says when it waits on Heat (tui/planning.py) -------------------------------------
def _callee(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _unannounced_plans(tree: ast.AST) -> list[str]:
    """Calls of a session's `plan_*` (`<x>.session.plan_*(...)`, `session.plan_*`, `connected().plan_*`) that are
    not the plan handed to `planned(...)`."""
    handed = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _callee(node) in ("planned", "_unblocked")  # the app's: it calls planned
        for arg in node.args
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if isinstance(owner, ast.Call):
            owner_name = getattr(owner.func, "attr", "")
        if node.func.attr.startswith("plan_") and owner_name in ("session", "connected") and id(node) not in handed:
            found.append(f"line {node.lineno}: {ast.unparse(node.func)}")
    return found


def test_the_plan_finder_finds_a_plan_not_handed_to_planned():
    assert len(_unannounced_plans(ast.parse("async def f(self):\n    await self.session.plan_rollout(m)\n"))) == 1
    assert len(_unannounced_plans(ast.parse("self.connected().plan_import(n, r, w, ro)"))) == 1
    assert _unannounced_plans(ast.parse("await planned(self.app, 's', self.session.plan_rollout(m))")) == []


def test_every_plan_the_console_makes_goes_through_planned():
    """A plan reads Heat (a frozen region holds it for the whole deadline): the console says so past half a
    second, wherever the plan is made (tui/planning.py). The app's `_unblocked` counts as `planned`: it is."""
    unblocked = next(
        n
        for n in ast.walk(ast.parse((TUI / "app.py").read_text()))
        if isinstance(n, ast.AsyncFunctionDef) and n.name == "_unblocked"
    )
    assert any(isinstance(n, ast.Call) and _callee(n) == "planned" for n in ast.walk(unblocked))
    offenders = {
        str(path.relative_to(PACKAGE.parent)): calls
        for path in sorted(TUI.rglob("*.py"))
        if (calls := _unannounced_plans(ast.parse(path.read_text())))
    }
    assert offenders == {}, offenders
