"""The region health state machine (pure logic, a fake clock)."""

from mrconsole.cloud.health import DEGRADED, DOWN, UNKNOWN, UP, RegionHealth


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_starts_unknown_then_up_on_a_fast_success():
    h = RegionHealth("R", clock=Clock())
    assert h.state == UNKNOWN
    h.record_success(50)
    assert h.state == UP and h.latency_ms == 50


def test_a_failure_is_down_with_error_and_since():
    clock = Clock()
    h = RegionHealth("R", clock=clock)
    h.record_success(50)
    clock.now += 5
    h.record_failure("connection refused")
    snap = h.snapshot()
    assert snap.state == DOWN and snap.last_error == "connection refused"
    assert snap.down_since == clock.now and snap.last_success == clock.now - 5


def test_backoff_doubles_and_is_capped():
    clock = Clock()
    h = RegionHealth("R", backoff_start=1, backoff_cap=4, clock=clock)
    gaps = []
    for _ in range(5):
        h.record_failure("x")
        gaps.append(h.next_probe - clock.now)
    assert gaps == [1, 2, 4, 4, 4]
    assert not h.probe_due()
    clock.now += 4
    assert h.probe_due()


def test_recovery_after_failures_is_degraded_until_the_window_is_clean():
    h = RegionHealth("R", window=3, clock=Clock())
    h.record_failure("x")
    h.record_success(40)
    assert h.state == DEGRADED  # intermittent: a failure is still in the window
    h.record_success(40)
    h.record_success(40)
    assert h.state == UP
    assert h.down_since is None


def test_slow_answers_are_degraded_and_smoothed():
    h = RegionHealth("R", slow_ms=1000, clock=Clock())
    h.record_success(100)
    h.record_success(5000)  # one slow call: 0.7*100 + 0.3*5000 = 1570
    assert h.state == DEGRADED
    assert round(h.latency_ms) == 1570
    for _ in range(10):
        h.record_success(100)
    assert h.state == UP


def test_listeners_hear_state_changes_only():
    h = RegionHealth("R", clock=Clock())
    seen = []
    h.subscribe(lambda snap: seen.append(snap.state))
    h.record_success(10)
    h.record_success(10)
    h.record_failure("x")
    h.record_failure("x")
    assert seen == [UP, DOWN]


def test_degraded_region_is_rechecked_until_up():
    clock = Clock()
    h = RegionHealth("R", window=3, recheck_secs=2, clock=clock)
    h.record_failure("x")
    h.record_success(10)
    assert h.state == DEGRADED and not h.probe_due()
    clock.now += 2
    assert h.probe_due()
    h.record_success(10)
    h.record_success(10)
    assert h.state == UP and not h.probe_due()
