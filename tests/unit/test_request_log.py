"""The request log (cloud/request_log.py, core/live/requests.py): bounded, read by what is new, one line per
request, and never a header's content. The HTTP side is pinned on the lab (tests/lab/test_status.py)."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

from mrconsole.cloud import request_log
from mrconsole.cloud.request_log import RequestLog
from mrconsole.core.live.requests import line, matching, short_path


def test_the_log_keeps_the_newest_and_a_reader_gets_only_what_came_after_it():
    log = RequestLog(limit=3)
    for i in range(5):
        log.add(region="A", method="GET", path=f"/{i}", status=200, ms=1.0)
    assert [r.path for r in log.since(0)] == ["/2", "/3", "/4"]  # the oldest two dropped
    assert [r.path for r in log.since(3)] == ["/3", "/4"] and log.since(5) == [] and log.last == 5
    log.add(region="B", method="POST", path="/5", status=500, ms=2.0)
    assert [(r.seq, r.path) for r in log.since(5)] == [(6, "/5")]


def test_an_answer_is_recorded_with_its_region_and_ids_and_no_header_content(monkeypatch):
    log = RequestLog()
    monkeypatch.setattr(request_log, "PROCESS", log)
    request = SimpleNamespace(
        method="PATCH",
        url="https://h:8004/v1/0123456789abcdef0123456789abcdef/stacks/web/1?x=secret-filter",
        headers={"X-OpenStack-Request-ID": "req-ours", "X-Auth-Token": "gAAAA-token"},
    )
    response = SimpleNamespace(
        request=request,
        status_code=202,
        elapsed=timedelta(milliseconds=12),
        headers={"x-openstack-request-id": "req-heat"},
    )
    with request_log.sending("RegionTwo", "req-ours") as sent:
        request_log.answered(response)
        assert sent.answered
    [r] = log.since(0)
    assert (r.region, r.method, r.status, round(r.ms), r.heat_request_id, r.request_id) == (
        "RegionTwo", "PATCH", 202, 12, "req-heat", "req-ours"
    )  # fmt: skip
    said = line(r)
    assert "gAAAA" not in said and "secret-filter" not in said and "/v1/PROJECT/stacks/web/1" in said, said
    # Sent from no region's thread (a login before any region call): said as such.
    request_log.answered(response)
    assert log.since(1)[0].region == ""


def test_a_request_without_an_answer_is_said_with_its_error_and_counted_as_failed(monkeypatch):
    log = RequestLog()
    monkeypatch.setattr(request_log, "PROCESS", log)
    with request_log.sending("RegionThree") as sent:
        assert not sent.answered
        sent.unanswered("stack list", 3.0, "connection refused")
    [r] = log.since(0)
    assert r.status is None and "no answer (connection refused)" in line(r) and "3000 ms" in line(r)
    log.add(region="RegionOne", method="GET", path="/v1", status=200, ms=1.0)
    log.add(region="RegionOne", method="GET", path="/v1", status=404, ms=1.0)
    assert [x.status for x in matching(log.since(0), errors_only=True)] == [None, 404]
    assert [x.status for x in matching(log.since(0), region="RegionOne")] == [200, 404]
    assert short_path("/v1/0123456789abcdef0123456789abcdef") == "/v1/PROJECT"


def test_records_from_many_threads_are_each_kept_once():
    log = RequestLog(limit=10_000)

    def send(n: int) -> None:
        for _ in range(500):
            log.add(region=str(n), method="GET", path="/", status=200, ms=0.0)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [r.seq for r in log.since(0)]
    assert seqs == list(range(1, 4001))
