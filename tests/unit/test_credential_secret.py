"""What Heat makes of a credential secret's text (cloud/region.py credential_shape_problem): the checks the
create's preflight makes before sending (the lab pins the whole path: tests/lab/test_barbican.py)."""

from __future__ import annotations

import json

import pytest

from mrconsole.cloud.region import credential_shape_problem

LOGIN = {"auth_type": "v3applicationcredential", "auth": {"auth_url": "https://k/v3", "application_credential_id": "a"}}


def test_a_login_heat_can_load_passes():
    assert credential_shape_problem(json.dumps(LOGIN)) == ""
    assert credential_shape_problem(json.dumps({**LOGIN, "auth_type": "v3password"})) == ""


@pytest.mark.parametrize(
    "text, said",
    [
        ("Quartz-Plain-8841", "not JSON"),
        (json.dumps(["v3password"]), "lacks auth_type or auth"),
        (json.dumps({"auth": {}}), "lacks auth_type or auth"),
        (json.dumps({**LOGIN, "auth_type": "Quartz-Type-77"}), "is not a keystoneauth plugin"),
        (json.dumps({**LOGIN, "auth": "Quartz-Auth-12"}), "not a mapping"),
    ],
)
def test_what_heat_could_not_use_is_said_without_the_secret(text, said):
    problem = credential_shape_problem(text)
    assert said in problem and "Quartz" not in problem, problem
