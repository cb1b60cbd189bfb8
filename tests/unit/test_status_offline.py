"""status without a clouds.yaml: one line."""

from __future__ import annotations

from tests.conftest import run_process


def test_missing_clouds_yaml_is_one_line_error(tmp_path):
    done = run_process(
        "status",
        "--os-cloud",
        "anything",
        env={"OS_CLIENT_CONFIG_FILE": str(tmp_path / "absent.yaml"), "HOME": str(tmp_path)},
    )
    assert done.returncode != 0
    assert "clouds.yaml" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
