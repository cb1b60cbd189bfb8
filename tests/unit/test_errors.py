"""heatclient and keystoneauth exceptions map to the console's few errors."""

import pytest
from heatclient import exc as hexc
from keystoneauth1 import exceptions as kexc

from mrconsole.cloud import errors
from mrconsole.cloud.errors import CloudError, map_exception
from mrconsole.errors import INTERNAL, InternalError


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
        (ConnectionResetError("reset by peer"), errors.UNAVAILABLE),
    ],
)
def test_mapping(exc, kind):
    mapped = map_exception(exc, "RegionTwo")
    assert mapped.kind == kind
    assert mapped.region == "RegionTwo"
    assert "\n" not in str(mapped)
    assert str(mapped).startswith("RegionTwo: ")


def test_heat_losing_a_stacks_stored_data_is_said_in_words_not_as_no_such_stack():
    """Heat's 404 for a lost ResourcePropertiesData row: the stack is there, its database is not whole.
    Neither "not found" (a script would think the stack gone) nor an outage of the region."""
    exc = hexc.HTTPNotFound("ERROR: ResourcePropertiesData with id {} not found")
    mapped = map_exception(exc, "RegionOne")
    assert mapped.kind == errors.STORE
    assert mapped.kind not in (errors.NOT_FOUND, errors.UNAVAILABLE)
    assert "Heat cannot load this stack" in mapped.message and "not deleted" in mapped.message
    assert "ResourcePropertiesData with id {} not found" in mapped.message  # what Heat said, kept
    assert "\n" not in str(mapped)


def _raise_in(module: str, exc: BaseException):
    """Raise exc from a function whose module is `module`, as a traceback would show it."""
    namespace = {"__name__": module}
    exec("def boom(exc):\n    raise exc\n", namespace)
    try:
        namespace["boom"](exc)
    except BaseException as raised:  # noqa: BLE001 - handed back to the test
        return raised
    raise AssertionError("not raised")


def test_a_bug_of_ours_is_an_internal_error_not_an_outage():
    """A KeyError raised in our own code (converting an answer) is not the region's doing."""
    exc = _raise_in("mrconsole.cloud.convert", KeyError("stack_status"))
    mapped = map_exception(exc, "RegionTwo")
    assert isinstance(mapped, InternalError)
    assert mapped.kind == INTERNAL and mapped.kind != errors.UNAVAILABLE
    assert str(mapped) == "RegionTwo: internal error (see mrconsole.log)"
    assert mapped.cause is exc


def test_an_exception_never_raised_is_not_blamed_on_the_cloud():
    assert isinstance(map_exception(RuntimeError("odd"), "RegionTwo"), InternalError)


def test_an_odd_exception_inside_a_client_library_is_the_answer_s_doing():
    """heatclient reading a body it did not expect raises whatever it meets: the cloud's answer."""
    exc = _raise_in("heatclient.common.utils", TypeError("string indices must be integers"))
    mapped = map_exception(exc, "RegionTwo")
    assert isinstance(mapped, CloudError) and mapped.kind == errors.UNAVAILABLE
    exc = _raise_in("heatclient.v1.stacks", KeyError("stack"))
    mapped = map_exception(exc, "RegionTwo")
    assert isinstance(mapped, CloudError) and mapped.kind == errors.UNAVAILABLE
    assert "unexpected answer" in mapped.message


def test_our_code_calling_a_client_library_that_raises_is_the_library_s():
    """The deepest frame decides: our lambda calling heatclient, which raises, is the cloud's answer."""
    namespace = {"__name__": "heatclient.v1.stacks"}
    exec("def parse(body):\n    return body['stack']\n", namespace)
    ours = {"__name__": "mrconsole.cloud.region", "parse": namespace["parse"]}
    exec("def call():\n    return parse({})\n", ours)
    try:
        ours["call"]()
    except KeyError as exc:
        assert isinstance(map_exception(exc, "RegionTwo"), CloudError)


def test_heat_message_keeps_first_line_without_prefix():
    mapped = map_exception(hexc.HTTPConflict("ERROR: Stack demo is busy\nmore detail"), None)
    assert mapped.message == "Stack demo is busy"


def test_a_body_that_is_not_json_is_the_cloud_s_answer_not_our_bug():
    """heatclient hands back the raw bytes of a body it could not parse; reading a field of it is the cloud's
    fault (a cut or a proxy's page), said as such, never an internal error."""
    import pytest

    from mrconsole.cloud.region import answer_field

    assert answer_field({"stack": {"id": "x"}}, "stack", "RegionTwo") == {"id": "x"}
    with pytest.raises(CloudError) as info:
        answer_field(b'{"stack": {"id": "x"', "stack", "RegionTwo")
    assert info.value.kind == errors.UNAVAILABLE and "not JSON" in info.value.message
