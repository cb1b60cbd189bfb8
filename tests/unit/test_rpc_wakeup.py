"""The lab's RPC listener (mrconsole/lab/rpc_wakeup.py): woken by a delivery, never by the clock alone, and no
message left waiting when it is delivered between a look and the sleep. Runs oslo.messaging's own fake
transport in this process, no Heat."""

from __future__ import annotations

import threading

import futurist
import pytest
from futurist import _thread as futurist_thread
from futurist import _utils as futurist_utils
from oslo_messaging._drivers import impl_fake

from mrconsole.lab import rpc_wakeup
from tests.conftest import wait_until


class _Target:
    exchange = "heat"
    topic = "engine"
    server = "host-1"


@pytest.fixture
def listener(monkeypatch):
    """A listener of the fake transport with the lab's poll, an idle wake far beyond any test's wait."""
    rpc_wakeup.install()
    monkeypatch.setattr(rpc_wakeup, "IDLE_WAKE", 600.0)
    manager = impl_fake.FakeExchangeManager("heat-test")
    impl_fake.FakeExchangeManager.cleanup()
    made = impl_fake.FakeListener(manager, [_Target()])
    yield manager, made
    made.stop()
    impl_fake.FakeExchangeManager.cleanup()


def _deliver(manager, text: str) -> None:
    manager.get_exchange("heat").deliver_message("engine", {}, {"method": text}, server="host-1")


def _poll_in_thread(made, timeout=None):
    got: list = []
    thread = threading.Thread(target=lambda: got.extend(made.poll(timeout=timeout)), daemon=True)
    thread.start()
    return thread, got


def _looks(monkeypatch, on_look=None) -> list[int]:
    """Count the listener's looks at its queue (FakeExchange.poll), calling on_look(n) after each."""
    looks: list[int] = []
    look = impl_fake.FakeExchange.poll

    def counted(self, target, pool):
        found = look(self, target, pool)
        looks.append(len(looks) + 1)
        if on_look:
            on_look(len(looks))
        return found

    monkeypatch.setattr(impl_fake.FakeExchange, "poll", counted)
    return looks


def test_a_sleeping_listener_wakes_for_a_delivery(listener, monkeypatch):
    manager, made = listener
    looks = _looks(monkeypatch)
    thread, got = _poll_in_thread(made)
    assert wait_until(lambda: looks, 10, interval=0.01)  # it has looked once and found nothing
    _deliver(manager, "stack_list")
    thread.join(30)  # its idle wake is 600 s: only the delivery can end the wait
    assert not thread.is_alive() and [m.message["method"] for m in got] == ["stack_list"]


def test_a_message_delivered_between_the_look_and_the_sleep_is_not_left_waiting(listener, monkeypatch):
    manager, made = listener
    # the delivery lands right after the first look came back empty, before the listener waits
    _looks(monkeypatch, on_look=lambda n: n == 1 and _deliver(manager, "stack_create"))
    thread, got = _poll_in_thread(made)
    thread.join(30)
    assert not thread.is_alive() and [m.message["method"] for m in got] == ["stack_create"]


def test_an_idle_listener_looks_at_its_start_and_its_deadline_only(listener, monkeypatch):
    """The library's listener looked every 50 ms (seven looks in 0.3 s); this one looks, waits, and looks once
    more at its deadline, as the library's did."""
    manager, made = listener
    looks = _looks(monkeypatch)
    thread, got = _poll_in_thread(made, timeout=0.3)
    thread.join(30)
    assert not thread.is_alive() and got == [] and len(looks) == 2


def test_a_stopped_listener_ends_its_wait(listener, monkeypatch):
    manager, made = listener
    looks = _looks(monkeypatch)
    thread, got = _poll_in_thread(made)
    assert wait_until(lambda: looks, 10, interval=0.01)
    made.stop()
    thread.join(30)
    assert not thread.is_alive() and got == []


def test_an_idle_pool_worker_sleeps_long_and_still_takes_work_at_once(monkeypatch):
    """The RPC servers' pool workers (futurist) woke every second to ask whether their pool was ending: ~85
    of them in a region that had worked, most of its idle CPU. With the lab's wake they wait on the queue for
    WORKER_IDLE_WAKE, and a message handed to the pool still starts at once: the queue wakes the worker."""
    monkeypatch.setattr(futurist_thread.ThreadWorker, "MAX_IDLE_FOR", futurist_thread.ThreadWorker.MAX_IDLE_FOR)
    rpc_wakeup.install()
    assert futurist_thread.ThreadWorker.MAX_IDLE_FOR == rpc_wakeup.WORKER_IDLE_WAKE >= 60
    waits: list[float | None] = []
    pool = futurist.ThreadPoolExecutor(max_workers=1)
    get = pool._work_queue.get

    def timed_get(block=True, timeout=None):
        waits.append(timeout)
        return get(block, timeout)

    monkeypatch.setattr(pool._work_queue, "get", timed_get)
    try:
        assert pool.submit(lambda: "first").result(timeout=30) == "first"
        assert wait_until(lambda: len(waits) >= 2, 10, interval=0.01)  # the worker is idle again
        assert waits[1] == rpc_wakeup.WORKER_IDLE_WAKE
        # it waits 60 s at a time now: only the queue can hand it the next job within 30 s
        assert pool.submit(lambda: "next").result(timeout=30) == "next"
    finally:
        # stopped, then handed one more item so that it sees the stop now and not in 60 s (futurist joins its
        # workers at exit)
        pool.shutdown(wait=False)
        pool._work_queue.put(futurist_utils.WorkItem(futurist.Future(), lambda: None))
        for worker in list(pool._workers):
            worker.join(30)
            assert not worker.is_alive()
