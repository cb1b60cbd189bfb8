"""Garbage collection off the keys' path.

Measured on the fleet scene (5 regions x 100 stacks) in a 200x50 terminal:
Python's full (generation 2) collections took 110-180 ms, every one to three
seconds while screens opened and closed (each screen makes thousands of
objects that outlive a young collection), and a key that came during one
waited for it: the 150-200 ms outliers of opening the filter or closing a
detail. So the console keeps full collections for when nobody types:

- automatic full collections are made rare (`threshold2`); young ones, a
  millisecond each, stay as Python runs them;
- once a second the clock asks `tick()`: when the last collection is
  INTERVAL old and no key came for QUIET seconds, one collection runs (its
  pause then meets no key), then `gc.freeze()` sets what survived aside, so
  that later collections never scan it again: a few milliseconds each;
- every THAW seconds (when quiet too) the frozen objects are thawed first,
  so that the collection sees everything (~150-180 ms on the fleet) and
  nothing frozen is kept once it is garbage: what a closed screen leaves is
  freed within THAW at most.

Cost, idle: one collection of what is new per INTERVAL (milliseconds) and
one of everything per THAW (~180 ms / 600 s: 0.03 % of a core); memory may
hold THAW's worth of cyclic garbage that was alive at a freeze.
"""

from __future__ import annotations

import gc
import time

INTERVAL = 60.0  # seconds between collections of what is new since the last freeze
THAW = 600.0  # seconds between collections of everything
QUIET = 2.0  # seconds without a key before one may run
RARE = 1_000_000  # Python's threshold2: full collections on their own practically never


class QuietCollector:
    def __init__(self, clock=time.monotonic, collector=gc):
        self._clock = clock
        self._gc = collector
        self.last_key = clock()
        self.last_full = clock()
        self.last_thaw = clock()
        self.collections = 0
        self._saved: tuple[int, ...] | None = None

    def start(self) -> None:
        self._saved = self._gc.get_threshold()
        young, middle = self._saved[0], self._saved[1]
        self._gc.set_threshold(young, middle, RARE)

    def stop(self) -> None:
        if self._saved is not None:
            self._gc.set_threshold(*self._saved)
            self._gc.unfreeze()
            self._saved = None

    def key(self) -> None:
        self.last_key = self._clock()

    def tick(self) -> bool:
        """A full collection now if it is due and nobody types; True when one ran."""
        now = self._clock()
        if now - self.last_full < INTERVAL or now - self.last_key < QUIET:
            return False
        if now - self.last_thaw >= THAW:
            self._gc.unfreeze()
            self.last_thaw = now
        self._gc.collect()
        self._gc.freeze()
        self.last_full = self._clock()
        self.collections += 1
        return True
