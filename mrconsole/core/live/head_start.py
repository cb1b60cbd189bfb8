"""The console's start, with its first questions sent while its screen is still being built.

Opening the console spends most of a second in the interpreter and Textual (imports, the stylesheet,
the first screen) before its session exists, and only then did each region's first list leave; the
lab's Heat then took two seconds or more to answer 50 of them at once (tests/bench/bench_idle.py, its
start split), on cores the console's own start left half idle. So, once the command line and clouds.yaml
are read, a thread opens the cloud (`connect`: clouds.yaml and the region clients; a token request only
when the catalog must name the regions) and asks every region's first question (the watch's full list,
core/live/watch.py `first_question`) on that region's own pool. The session, built later in the
console's event loop, is given that cloud: each region's first look takes the answer already asked
(cloud/region.py `ask_ahead`, taken within AHEAD_FRESH seconds, else asked again).

Nothing is said from the thread: if opening the cloud fails there, the console's own `connect` fails the
same way in its place (the first screen says it). No request but reads: a token and one stack list per
region, the same the console sends at start anyway.

Cost: one thread for the start; the requests are the ones the start sends anyway (R + 1 at most).
"""

from __future__ import annotations

import asyncio
import threading

from mrconsole.cloud.connection import Cloud, CloudOptions, connect
from mrconsole.core.live.watch import RegionWatch, WatchConfig
from mrconsole.trace import trace


class HeadStart:
    """Opens the cloud and asks each region's first question on a thread, from the moment it is made."""

    def __init__(self, opts: CloudOptions, watch: WatchConfig):
        self._opts = opts
        self._question = RegionWatch.first_question(watch)
        self._cloud: Cloud | None = None
        self.error: Exception | None = None  # why the cloud did not open here (the console's connect says it)
        self._thread = threading.Thread(target=self._open, name="head-start", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        try:
            cloud = asyncio.run(connect(self._opts))
        except Exception as exc:  # noqa: BLE001 - kept, not said: the console's own connect meets it again and says it
            self.error = exc
            return
        for client in cloud.regions.values():
            client.ask_stacks_ahead(**self._question)
        trace("lists-asked", len(cloud.regions))  # the start's split (tests/bench/bench_idle.py)
        self._cloud = cloud

    async def cloud(self) -> Cloud:
        """The cloud opened ahead (once), or opened now if that failed: the same errors `connect` raises."""
        await asyncio.to_thread(self._thread.join)
        cloud, self._cloud = self._cloud, None
        return cloud if cloud is not None else await connect(self._opts)
