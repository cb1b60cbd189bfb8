"""The command palette's stacks and regions: every stack by name, every action on it, every region, and
the operator's aliases.

ctrl+p, then a stack's name: its detail. An action's word first (`suspend web`, `del db`): that action on
each stack the rest matches, through the same menu checks, plan and confirmation as `a` (app.act_on), so
the palette never acts without asking. A region's name: its pane.

Text from Heat is data: Textual's own highlighter reads the candidate as markup (a stack named
`[/dev/vdb]` would be eaten or break the palette), so the hits here are built as plain Content and only
the matched cells styled.

Cost per keystroke: O(stacks + regions) fuzzy matches (an action's hits only for the stacks the rest of
the query matches: O(matched x actions)), nothing sent; results stream as Textual's palette asks.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from mrconsole.core.acting.action_table import MENU
from mrconsole.core.text import printable
from mrconsole.tui.access import console

# The word an operator types for each action, as `mrconsole stack` spells it.
VERBS: dict[str, str] = {str(a): str(a).replace("_", " ") for a in MENU}


def _plain(text: str, matcher: Matcher, offset: int = 0) -> Content:
    """`text` as it is (control characters made visible), with the cells the query matched highlighted."""
    text = printable(text)
    content = Content(text)
    _, cells = matcher.fuzzy_search.match(matcher.query, text[offset:])
    for cell in cells:
        if not text[offset + cell].isspace():
            content = content.stylize(matcher.match_style, offset + cell, offset + cell + 1)
    return content


def actions_for(word: str) -> list[str]:
    """The actions whose word starts with `word` (case-insensitive): 'del' -> delete, 'cancel' -> both."""
    word = word.lower()
    return [a for a, verb in VERBS.items() if word and verb.startswith(word)]


class StackCommands(Provider):
    async def search(self, query: str) -> Hits:
        app = console(self.screen)
        session = app.session
        if session is None:
            return
        if not query.strip():  # Textual's fuzzy score fails on an empty query; discover() answers that
            return
        first, _, rest = query.strip().partition(" ")
        actions = [] if app.read_only or not rest.strip() else actions_for(first)
        matcher = self.matcher(rest.strip() if actions else query)
        for word, text in ({} if actions else app.aliases).items():
            score = matcher.match(word)
            if score > 0:  # the operator's own words (config aliases:), shown as written, never as markup
                yield Hit(score, _plain(word, matcher), partial(app.run_command, word), text=word, help=f":{text}")
        for region in session.region_names:
            score = matcher.match(region)
            if score > 0 and not actions:
                yield Hit(
                    score,
                    Content("Region ") + _plain(region, matcher),
                    partial(app.run_command, f"region {region}"),
                    text=f"Region {region}",
                    help="jump to its pane",
                )
        for region, view in session.regions.items():
            for stack in list(view.by_id.values()):
                where = printable(f"{stack.name} · {region}")
                score = matcher.match(where)
                if score <= 0:
                    continue
                if not actions:
                    yield Hit(
                        score,
                        _plain(where, matcher),
                        partial(app.open_stack, region, stack.id, stack.name),
                        text=where,
                        help=f"{stack.status}: open its detail",
                    )
                    continue
                for action in actions:
                    verb = VERBS[action].capitalize() + " "
                    yield Hit(
                        score,
                        Content(verb) + _plain(where, matcher),
                        partial(app.act_on, region, stack.id, stack.name, action),
                        text=verb + where,
                        help=f"{stack.status}: asks first, as the action menu does",
                    )

    async def discover(self) -> Hits:
        """With nothing typed: how to reach a stack from here."""
        app = console(self.screen)
        if app.session is None:
            return
        for region in app.session.region_names:
            yield DiscoveryHit(
                Content(f"Region {region}"), partial(app.run_command, f"region {region}"), help="jump to its pane"
            )
