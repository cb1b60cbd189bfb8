"""heatclient and keystoneauth exceptions map to the console's few errors."""

import pytest
from heatclient import exc as hexc
from keystoneauth1 import exceptions as kexc

from mrconsole.cloud import errors
from mrconsole.cloud.errors import map_exception


@pytest.mark.parametrize(
    "exc, kind",
    [
        (hexc.HTTPNotFound("ERROR: The Stack (x) could not be found."), errors.NOT_FOUND),
        (hexc.HTTPConflict("ERROR: Stack x is in progress"), errors.CONFLICT),
        (hexc.HTTPUnauthorized("ERROR: auth"), errors.UNAUTHORIZED),
        (kexc.http.Unauthorized(), errors.UNAUTHORIZED),
        (hexc.HTTPForbidden("ERROR: You are not authorized"), errors.FORBIDDEN),
        (hexc.HTTPBadRequest("ERROR: Property error"), errors.INVALID),
        (hexc.HTTPServiceUnavailable("ERROR: down"), errors.UNAVAILABLE),
        (hexc.HTTPInternalServerError("ERROR: boom"), errors.UNAVAILABLE),
        (kexc.ConnectFailure("refused"), errors.UNAVAILABLE),
        (kexc.ConnectTimeout("timeout"), errors.UNAVAILABLE),
        (kexc.EndpointNotFound(), errors.CONFIG),
        (RuntimeError("odd"), errors.UNAVAILABLE),
    ],
)
def test_mapping(exc, kind):
    mapped = map_exception(exc, "RegionTwo")
    assert mapped.kind == kind
    assert mapped.region == "RegionTwo"
    assert "\n" not in str(mapped)
    assert str(mapped).startswith("RegionTwo: ")


def test_heat_message_keeps_first_line_without_prefix():
    mapped = map_exception(hexc.HTTPConflict("ERROR: Stack demo is busy\nmore detail"), None)
    assert mapped.message == "Stack demo is busy"
