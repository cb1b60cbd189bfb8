"""Escape as prompt as any key (tui/keys.py) and full collections only when nobody types (tui/collect.py)."""

from __future__ import annotations

import selectors
import socket
import time

from mrconsole.tui.collect import INTERVAL, QUIET, THAW, QuietCollector
from mrconsole.tui.keys import INPUT_TICK, PromptSelector, prompt_escape


def test_textuals_linux_driver_takes_the_prompt_selector():
    from textual.drivers import linux_driver

    saved = linux_driver.selectors
    try:
        prompt_escape()
        # What the driver's input thread builds and asks (textual/drivers/linux_driver.py).
        assert linux_driver.selectors.SelectSelector is PromptSelector
        assert linux_driver.selectors.EVENT_READ == selectors.EVENT_READ
    finally:
        linux_driver.selectors = saved


def test_the_prompt_selector_never_sleeps_longer_than_its_tick():
    a, b = socket.socketpair()
    try:
        sel = PromptSelector()
        sel.register(a, selectors.EVENT_READ)
        b.send(b"\x1b")  # a lone ESC: Textual's parser now waits ESCDELAY for more
        assert [key.fileobj for key, _ in sel.select(None)] == [a]
        a.recv(1)
        t = time.monotonic()
        assert sel.select(5.0) == []  # just after input: back after INPUT_TICK, not 5 s
        assert time.monotonic() - t < 2.0  # bounded far above INPUT_TICK: only "not the 5 s asked"
        sel._input_at = time.monotonic() - 10  # long after input: the wait Textual asks for
        t = time.monotonic()
        assert sel.select(0.2) == [] and time.monotonic() - t >= 0.15
        sel.close()
    finally:
        a.close()
        b.close()
    assert INPUT_TICK <= 0.02


class FakeGC:
    def __init__(self):
        self.calls: list[str] = []
        self.threshold = (700, 10, 10)

    def get_threshold(self):
        return self.threshold

    def set_threshold(self, *t):
        self.threshold = t
        self.calls.append(f"threshold {t[2]}")

    def collect(self):
        self.calls.append("collect")

    def freeze(self):
        self.calls.append("freeze")

    def unfreeze(self):
        self.calls.append("unfreeze")


def test_a_collection_waits_until_keys_stop_and_everything_is_thawed_now_and_then():
    now = [1000.0]
    fake = FakeGC()
    c = QuietCollector(clock=lambda: now[0], collector=fake)
    c.start()
    assert fake.threshold[2] > 100_000  # automatic full collections made rare
    now[0] += INTERVAL - 1
    assert not c.tick()  # not due yet
    now[0] += 2
    c.key()  # someone types
    assert not c.tick()
    now[0] += QUIET / 2
    assert not c.tick()  # still typing
    now[0] += QUIET
    assert c.tick() and fake.calls[-2:] == ["collect", "freeze"] and "unfreeze" not in fake.calls
    assert not c.tick()  # one per INTERVAL
    now[0] += THAW
    assert c.tick() and fake.calls[-3:] == ["unfreeze", "collect", "freeze"]  # everything, now and then
    c.stop()
    assert fake.threshold == (700, 10, 10) and fake.calls[-1] == "unfreeze"
