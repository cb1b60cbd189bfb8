"""Wake the lab's in-process RPC listeners when a message arrives, and only then.

The lab runs Heat's API and engine in one process over oslo.messaging's
`fake://` transport (heat_server.py). Its listener finds work by polling its
queues and sleeping 50 ms between looks (`FakeListener.poll` in
oslo_messaging/_drivers/impl_fake.py), so every API call that reaches the
engine (a stack list, an event list, every action) waited for that sleep:
the lab's Heat answered an empty stack list in 48 ms at p50, ~8 ms of it
work (its access log). A real deployment's broker delivers in a
millisecond or two, so the lab made every latency figure, ours and the
OpenStack CLI's alike, ~45 ms a request slower than a real cloud's.

The 50 ms looks also cost an idle Heat its CPU: three listeners each woke 20
times a second, ~0.75 % of a core per region with nothing to do (a lab tier
runs dozens of Heat processes on two cores). A broker costs nothing idle.

`install()` puts in the listener's place a poll that does what it did (the
same queues, the same order, a message returned as soon as one is there,
`timeout` honoured) but waits on a condition that every delivery notifies:
a counter of deliveries is read before each look, and the listener sleeps
only if no delivery came since, so a message delivered between its look and
its pause is never left waiting. Idle, a listener wakes once every
`IDLE_WAKE` seconds (to see a stop it was not told of). Cost idle: 3
listeners / IDLE_WAKE wakeups a second. Call it before the engine listens.

The messages are handled on each RPC server's pool (futurist's
ThreadPoolExecutor, `executor_thread_pool_size` = 64 workers a server, three
servers). That pool starts a worker at every submit until it has its 64 and
keeps them, and each idle worker wakes every second (`ThreadWorker.MAX_IDLE_FOR`)
only to ask whether its pool is being shut down: a region that had done some
work held 66-88 threads and spent 0.4-1.3 % of a core idle, nearly all of it in
those wakes (py-spy on the lab; a lab tier keeps dozens of such processes
alive on two cores). Here they wake every `WORKER_IDLE_WAKE` seconds: work
still reaches a worker at once (the queue wakes it), and a pool shut down
lets its workers go within that time (the lab ends a Heat by a signal, not a
pool shutdown). Cost idle: W workers / WORKER_IDLE_WAKE wakeups a second.
"""

from __future__ import annotations

import threading
import time

from futurist import _thread as futurist_thread
from oslo_messaging._drivers import base, impl_fake

IDLE_WAKE = 2.0  # s: a listener's longest sleep when nothing is delivered
WORKER_IDLE_WAKE = 60  # s: an idle pool worker's longest sleep (futurist's own: 1 s)

_delivered = threading.Condition()
_deliveries = 0


def _delivered_now() -> None:
    global _deliveries
    with _delivered:
        _deliveries += 1
        _delivered.notify_all()


def _poll(self, timeout=None):
    """`FakeListener.poll` waiting on deliveries instead of sleeping 50 ms between looks."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not self._stopped.is_set():
        with _delivered:
            seen = _deliveries
        for target in self._targets:
            exchange = self._exchange_manager.get_exchange(target.exchange)
            ctxt, message, reply_q, requeue = exchange.poll(target, self._pool)
            if message is not None:
                return impl_fake.FakeIncomingMessage(ctxt, message, reply_q, requeue)
        pause = IDLE_WAKE
        if deadline is not None:
            pause = min(pause, deadline - time.monotonic())
            if pause <= 0:
                break
        with _delivered:
            if _deliveries == seen:
                _delivered.wait(pause)
    return None


def install() -> None:
    futurist_thread.ThreadWorker.MAX_IDLE_FOR = WORKER_IDLE_WAKE
    if getattr(impl_fake.FakeExchange.deliver_message, "_wakes", False):
        return
    deliver = impl_fake.FakeExchange.deliver_message
    stop = impl_fake.FakeListener.stop

    def deliver_message(self, *args, **kwargs):
        deliver(self, *args, **kwargs)
        _delivered_now()

    def stop_listener(self):
        stop(self)
        _delivered_now()  # a sleeping listener sees its stop now, not at IDLE_WAKE

    deliver_message._wakes = True  # type: ignore[attr-defined]
    impl_fake.FakeExchange.deliver_message = deliver_message
    impl_fake.FakeListener.stop = stop_listener
    impl_fake.FakeListener.poll = base.batch_poll_helper(_poll)
