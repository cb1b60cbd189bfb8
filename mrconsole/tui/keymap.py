"""The console's keys as the operator set them, checked before the console starts.

Textual applies a keymap (binding id -> keys) silently: a key given to two bindings of one screen drops one
of them, and an id it does not know is ignored. An operator who maps `events: r` would lose refresh without
a word. So the config file's `keys:` and the user commands' keys are checked here, against every screen's
bindings, and a problem is one line naming both sides:

- an id no binding has (with the nearest ids);
- a key a remapped binding would share with another binding where both are reachable (the screen's own
  bindings and the app's; a modal screen's own only, as Textual stops there);
- a user command's key that the app's or the overview's bindings take (after the keymap).

Shadowing the console has by design (the detail screen's `r` reloads where the app's `r` refreshes) is not
a clash: two bindings on one key are one only when the operator gave one of them that key.
Cost: O(screens x bindings), once at start.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable

from textual.binding import Binding
from textual.screen import ModalScreen

# The console's screen modules; a new one with bindings belongs here (tests/unit/test_own_keys_and_looks.py
# checks that every module under tui/screens/ with BINDINGS is named).
SCREEN_MODULES = (
    "overview", "actions", "detail", "drift", "events", "master_ops", "masters", "modals", "oncall", "operations",
    "requests", "rollout",
)  # fmt: skip


class KeymapError(Exception):
    one_line = True


def normalise(keys: str) -> list[str]:
    """Key names as Textual matches them: '?' -> 'question_mark', 'F5' -> 'f5', 'ctrl+R' -> 'ctrl+r';
    a single letter keeps its case (R is shift+r)."""
    out: list[str] = []
    for part in keys.split(","):
        part = part.strip()
        if not part:
            continue
        if len(part) > 1:
            *mods, last = part.split("+")
            part = "+".join([m.lower() for m in mods] + [last if len(last) == 1 else last.lower()])
        out.extend(b.key for b in Binding.make_bindings([(part, "_")]))
    return out


def _bindings(owner) -> list[Binding]:
    return [b for b in Binding.make_bindings(getattr(owner, "BINDINGS", [])) if b.id]


def screens() -> list[type]:
    """Every screen class of the console with bindings (imported here, not at module level: the app imports
    this module)."""
    modules = [importlib.import_module(f"mrconsole.tui.screens.{name}") for name in SCREEN_MODULES]
    found = []
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__ and "BINDINGS" in vars(value):
                found.append(value)
    return found


def binding_ids(app_class: type) -> set[str]:
    return {b.id for owner in (app_class, *screens()) for b in _bindings(owner) if b.id}


def _effective(owner, keymap: dict[str, list[str]]) -> Iterable[tuple[str, str]]:
    """(key, binding id) for each binding of `owner`, after the keymap."""
    for b in _bindings(owner):
        for key in keymap.get(b.id or "", [b.key]):
            yield key, b.id or ""


def _screen_word(cls: type) -> str:
    return cls.__name__.removesuffix("Screen").lower() or cls.__name__


def check(app_class: type, keys: dict[str, str], command_keys: dict[str, str] | None = None) -> None:
    """Raise KeymapError (one line) for the first problem of the config's `keys:` (binding id -> keys) and the
    user commands' keys (command name -> key)."""
    known = binding_ids(app_class)
    keymap: dict[str, list[str]] = {}
    for binding_id, value in keys.items():
        if binding_id not in known:
            near = difflib.get_close_matches(binding_id, sorted(known), n=2)
            hint = f" (did you mean {' or '.join(near)}?)" if near else " (press ? in the console for the ids)"
            raise KeymapError(f"keys.{binding_id}: no binding has that id{hint}")
        try:
            keymap[binding_id] = normalise(value)
        except Exception as exc:  # noqa: BLE001 - Textual's own message, in one line
            raise KeymapError(f"keys.{binding_id}: {value!r} is not a key ({exc})") from None
        if not keymap[binding_id]:
            raise KeymapError(f"keys.{binding_id}: no key given")
    defaults: dict[str, set[str]] = {}
    for owner in (app_class, *screens()):
        for b in _bindings(owner):
            defaults.setdefault(b.id or "", set()).add(b.key)
    for cls in screens():
        owners = [cls] if issubclass(cls, ModalScreen) else [cls, app_class]
        taken: dict[str, str] = {}
        for owner in owners:
            for key, binding_id in _effective(owner, keymap):
                other = taken.get(key)
                if other is None:
                    taken[key] = binding_id
                elif other != binding_id and not (key in defaults[binding_id] and key in defaults[other]):
                    raise KeymapError(
                        f"keys: {other!r} and {binding_id!r} both take {key!r} on the {_screen_word(cls)} screen;"
                        " give one of them another key"
                    )
    # A user command is bound on the app and acts on what the overview shows (tui/app.py): a key the app or
    # the overview takes would never reach it there.
    from mrconsole.tui.screens.overview import OverviewScreen

    for name, key in (command_keys or {}).items():
        for wanted in normalise(key):
            for owner in (OverviewScreen, app_class):
                for taken_key, binding_id in _effective(owner, keymap):
                    if taken_key == wanted:
                        raise KeymapError(
                            f"commands.{name}: key {key!r} is the binding {binding_id!r}'s; pick another,"
                            f" or give {binding_id} another key in keys:"
                        )
