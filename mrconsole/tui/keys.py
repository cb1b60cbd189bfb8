"""Escape as fast as any other key.

A terminal without the kitty keyboard protocol sends Escape as a lone ESC
byte, which also starts every cursor key's sequence: Textual waits ESCDELAY
for more bytes (the console sets 10 ms, cli/console_cmd.py) but notices that
the wait is over only when its input thread's `select` returns, every 0.1 s.
So `esc`, the console's "back", took 100-130 ms to repaint where every other
key took under 20 (tests/bench/bench_scale.py, each key its own figure).

Textual's Linux driver takes its selector from the `selectors` module; given
one whose `select` waits at most INPUT_TICK for AFTER_INPUT after input came
(when an ESC may be waiting for its sequence), the input thread looks at the
clock every 10 ms then, and a lone ESC is a key ESCDELAY after it came. At
other times it waits as Textual asks (0.1 s): waking 100 times a second all
the time cost 0.7 % of a core (measured per thread on the 20-region lab).
Textual is pinned (pyproject.toml), and a test checks that its driver still
reads `selectors` this way.
"""

from __future__ import annotations

import selectors
import time

INPUT_TICK = 0.01  # seconds: the longest the input thread sleeps, just after input, before it checks ESC's wait
AFTER_INPUT = 0.3  # seconds after input during which it does


class PromptSelector(selectors.SelectSelector):
    _input_at = float("-inf")

    def select(self, timeout=None):
        if time.monotonic() - self._input_at < AFTER_INPUT:
            timeout = INPUT_TICK if timeout is None else min(timeout, INPUT_TICK)
        ready = super().select(timeout)
        if ready:
            self._input_at = time.monotonic()
        return ready


class _Selectors:
    """What Textual's Linux driver uses of the `selectors` module."""

    SelectSelector = PromptSelector
    EVENT_READ = selectors.EVENT_READ


def prompt_escape() -> None:
    """Give Textual's Linux driver the prompt selector (before the app runs)."""
    from textual.drivers import linux_driver

    linux_driver.selectors = _Selectors  # type: ignore[assignment]
