"""Any argument list, any file: never a traceback; a bad invocation is exit 2 and one line.

No cloud is configured here (conftest clears OS_*), and --lab, --lab-dir and --dir are never
generated, so whatever the fuzzer writes, nothing can reach a lab or change one.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mrconsole.cli.main import main

_DIR = Path(tempfile.mkdtemp(prefix="mrconsole-cli-fuzz-"))
(_DIR / "latin1.yaml").write_bytes(b"heat_template_version: 2018-08-31\ndescription: caf\xe9 \xff\xfe\n")
(_DIR / "empty.yaml").write_bytes(b"")
(_DIR / "binary.yaml").write_bytes(bytes(range(256)))
FILES = [str(_DIR / n) for n in ("latin1.yaml", "empty.yaml", "binary.yaml")] + [
    str(_DIR),
    "/dev/null",
    str(_DIR / "gone.yaml"),
]

COMMANDS = [
    ["status"],
    ["validate"],
    ["events"],
    ["why"],
    ["drift"],
    ["timeline"],
    ["journal"],
    ["stack", "create"],
    ["stack", "update"],
    ["stack", "delete"],
    ["stack", "reapply"],
    ["stack", "suspend"],
    ["stack", "resume"],
    ["stack", "check"],
    ["stack", "cancel"],
    ["lab", "fault"],
    ["lab", "status"],
    ["stack"],
    ["lab"],
    [],
]
OPTIONS = [
    "--region",
    "--request-timeout",
    "--format",
    "--os-cloud",
    "-t",
    "-e",
    "-P",
    "--since",
    "--limit",
    "--stack",
    "--master",
    "--nested-depth",
    "--yes",
    "--wait",
    "--preview",
    "--force",
    "--direct",
    "--read-only",
    "--through-master",
    "--all-regions",
    "--follow",
    "--output",
    "--timeout-mins",
    "--timeout",
    "--request-timeout",
    "--tree",
    "-h",
]
odd = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "-",
            "--",
            "-1",
            "0",
            "1e999",
            "nan",
            "RegionTwo",
            "json",
            "md",
            "x=1",
            "=",
            "a=",
            "2h",
            "-5m",
            "☃",
            "\t",
            "--nope",
            "-Z",
        ]
    ),
    st.text(min_size=2000, max_size=5000, alphabet="ab-=:/"),
    st.sampled_from(FILES),
)
tokens = st.lists(st.one_of(st.sampled_from(OPTIONS), odd), max_size=8)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), tokens)
def test_no_argument_list_gets_a_traceback(command, extra):
    argv = [*command, *extra]
    if any(a in ("--lab", "--lab-dir", "--dir") or a.startswith(("--lab=", "--lab-dir=", "--dir=")) for a in argv):
        return
    code, out, err = run(argv)
    assert "Traceback" not in out + err, argv
    assert code in (0, 1, 2, 3, 4), (argv, code)
    if "-h" in argv or "--help" in argv:
        return
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and "error" in lines[0], (argv, err)
