"""Wake the lab's in-process RPC listeners when a message arrives, instead of every 50 ms.

The lab runs Heat's API and engine in one process over oslo.messaging's
`fake://` transport (heat_server.py). Its listener finds work by polling its
queues and sleeping 50 ms between looks (`FakeListener.poll` in
oslo_messaging/_drivers/impl_fake.py), so every API call that reaches the
engine (a stack list, an event list, every action) waited for that sleep:
the lab's Heat answered an empty stack list in 48 ms at p50, ~8 ms of it
work (its access log). A real deployment's broker delivers in a
millisecond or two, so the lab made every latency figure, ours and the
OpenStack CLI's alike, ~45 ms a request slower than a real cloud's.

`install()` makes each delivery notify a condition the listeners' pause
waits on: a listener wakes as soon as a message is delivered, and still
after 50 ms at most (a message delivered between its look and its pause is
seen at that bound, as before). Nothing else of the transport changes. Call
it before the engine starts listening.
"""

from __future__ import annotations

import threading
import time

_delivered = threading.Condition()


class _WakingClock:
    """What impl_fake uses of the `time` module: `time()` as is, `sleep()` ended by a delivery."""

    time = staticmethod(time.time)

    @staticmethod
    def sleep(seconds: float) -> None:
        with _delivered:
            _delivered.wait(seconds)


def install() -> None:
    from oslo_messaging._drivers import impl_fake

    if getattr(impl_fake.FakeExchange.deliver_message, "_wakes", False):
        return
    deliver = impl_fake.FakeExchange.deliver_message

    def deliver_message(self, *args, **kwargs):
        deliver(self, *args, **kwargs)
        with _delivered:
            _delivered.notify_all()

    deliver_message._wakes = True  # type: ignore[attr-defined]
    impl_fake.FakeExchange.deliver_message = deliver_message
    impl_fake.time = _WakingClock()
