"""Bad numbers and names (#33): one line, exit 2, found before any cloud is asked (no cloud is configured
here: a command that got as far as logging in would fail another way)."""

from __future__ import annotations

import pytest

DEEP = "[" * 100_000 + "]" * 100_000

BAD = [
    (("rollout", "demo", "--soak", "nan"), "'nan': expected seconds from 0 to 86400"),
    (("rollout", "demo", "--soak", "inf"), "'inf': expected seconds"),
    (("rollout", "demo", "--soak", "-5"), "'-5': expected seconds"),
    (("rollout", "demo", "-P", "a=b", "--failure-tolerance", "many"), "a percentage of them (50%)"),
    (("rollout", "demo", "-P", "a=b", "--failure-tolerance", "120%"), "--failure-tolerance '120%'"),
    (("rollout", "demo", "-P", "a=b", "--failure-tolerance", "-1"), "give a number of regions"),
    (("rollout", "demo", "-P", "a=b", "--failure-tolerance", "1", "--max-failed-regions", "1"), "give one of them"),
    (("rollout", "demo", "-P", "a=b", "--max-concurrent", "0"), "1 or more"),
    (("rollout", "demo", "-P", "a=b", "--max-concurrent", "nan%"), "--max-concurrent 'nan%'"),
    (("rollout", "demo", "--continue", "--max-concurrent", "2"), "it takes a change"),
    (("rollout", "demo", "-P", "a=b", "--force"), "--force goes with --continue"),
    (("rollout", "demo", "--stop", "--force"), "--force goes with --continue"),
    (("status", "--request-timeout", "inf"), "'inf': expected seconds above 0"),
    (("status", "--request-timeout", "0"), "'0': expected seconds above 0"),
    (("status", "--request-timeout", "-1"), "'-1': expected seconds"),
    (("journal", "--limit", "0"), "'0': expected 1 to"),
    (("events", "demo", "--nested-depth", "-1"), "expected 0 to 100"),
    (("events", "demo", "--since", "9999999d"), "at most 3650d"),
    (("timeline", "demo", "--since", "9999999d"), "at most 3650d"),
    (("stack", "delete", "prod#x", "--yes"), "'prod#x' is not a stack name Heat accepts"),
    (("stack", "check", "a b"), "is not a stack name Heat accepts"),
    (("rollout", "web/not-an-id", "--status"), "is not a stack name Heat accepts"),
    (("resource", "signal", "s", "r", "--region", "RegionOne", "--data", DEEP), "nested too deeply"),
    (("timeline", "demo", "-o", "/nonexistent/dir/night.md"), "No such file or directory"),
    (("lab", "up", "--dir", "/nonexistent/lab", "--token-minutes", "0"), "between 10 seconds and 1440 minutes"),
    (("lab", "up", "--dir", "/nonexistent/lab", "--token-minutes", "1441"), "between 10 seconds and 1440 minutes"),
]


@pytest.mark.parametrize("argv, said", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_before_any_login(cli, monkeypatch, argv, said):
    monkeypatch.delenv("OS_CLOUD", raising=False)
    code, out, err = cli(*argv)
    assert code == 2, (code, out, err)
    assert said in err and "Traceback" not in err and err.count("\n") == 1, err


def test_good_names_and_ids_pass():
    from mrconsole.cli.common import stack_ref

    for ref in (
        "demo",
        "db-stack_2.a",
        "4a5e1c82-7560-4479-9f25-e5bb012dac0e",
        "demo/4a5e1c82-7560-4479-9f25-e5bb012dac0e",
    ):
        assert stack_ref(ref) == ref


def test_every_printed_line_has_control_characters_drawn_and_only_the_clis_own_colours_pass():
    import io

    from mrconsole.core.text import COLOURS, RESET, PrintableStream, event_line
    from mrconsole.models import Event

    out = io.StringIO()
    stream = PrintableStream(out)
    stream.write("reason: \x1b]0;pwned\x07\x1b[2J done\r\n")
    stream.writelines([f"{COLOURS['FAILED']}CREATE_FAILED{RESET}\n"])
    assert out.getvalue() == f"reason: ␛]0;pwned␇␛[2J done␍\n{COLOURS['FAILED']}CREATE_FAILED{RESET}\n"

    hostile = Event("RegionTwo", "s1", "web\x1b[31m", "e1", None, "disk", "CREATE_FAILED", "bad\x1b]0;x\x07\nline two")
    line = event_line(hostile, colour=True)
    assert "\x1b[31m" not in line and "␛[31m" in line and "bad␛]0;x␇⏎line two" in line
    assert line.count("\x1b[") == 2  # the CLI's own colour and its reset, around the status
