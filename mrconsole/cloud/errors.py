"""heatclient's and keystoneauth's exceptions, mapped to a few console errors.

Every error says which region and what an operator can do about it, in one
line, and never carries a token or password.
"""

from __future__ import annotations

import json
import re

from mrconsole.errors import InternalError
from mrconsole.logs import logger

NOT_FOUND = "not_found"
CONFLICT = "conflict"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
UNAVAILABLE = "unavailable"
INVALID = "invalid"  # Heat rejected the request (validation, 400)
CONFIG = "config"  # clouds.yaml, cloud or region problems
STORE = "store"  # Heat found the stack but cannot load what its database keeps for it

# Heat's own 404 for a row of a stack's stored data that is gone (heat/db/api.py
# resource_prop_data_get). The stack is there: Heat's database lost part of it. Seen on the lab when
# its sqlite reused row ids (lab/sqlite_ids.py); said as what it is, never as "no such stack".
_STORE_LOST = ("ResourcePropertiesData with id",)


class CloudError(Exception):
    one_line = True

    def __init__(self, kind: str, message: str, region: str | None = None, request_id: str | None = None):
        self.kind = kind
        self.region = region
        self.request_id = request_id
        self.message = message
        super().__init__(f"{region}: {message}" if region else message)


def heat_message(exc) -> str:
    """heatclient puts Heat's JSON error into the text; keep its first line."""
    text = str(getattr(exc, "error", None) and exc.error.get("error", {}).get("message") or exc)
    for prefix in ("ERROR: ",):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _store_lost(message: str) -> str:
    return (
        "Heat cannot load this stack: its database lost part of what it keeps for it "
        f"(Heat said: {message}); the stack was not deleted, and reading or changing it fails "
        "until the cloud's operators repair Heat's database"
    )


def _from_a_proxy(text: str) -> bool:
    """An HTML page where Heat answers JSON: a proxy or load balancer spoke, not Heat."""
    head = text[:300].lower()
    return "<html" in head or "<!doctype html" in head


# Where an exception can come from when a region is asked something: our own code, or the
# libraries that speak HTTP for us. The stdlib below them (json, socket, ssl, http.client)
# is neither: what called it decides.
_OURS = ("mrconsole",)
_CLIENTS = ("heatclient", "keystoneauth1", "keystoneclient", "requests", "urllib3", "openstack", "os_service_types")


def raised_by_our_code(exc: BaseException) -> bool:
    """True when the deepest frame of ours or of a client library in the traceback is ours:
    a bug of mrconsole's (converting an answer, building a request), not the cloud's answer.
    Without a traceback (an exception never raised) nothing says it came from the cloud."""
    origin = None
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(_OURS):
            origin = "ours"
        elif module.startswith(_CLIENTS):
            origin = "client"
        tb = tb.tb_next
    return origin != "client"


def _cloud_type(exc: BaseException) -> bool:
    """An exception type only the network or a client library raises."""
    module = type(exc).__module__ or ""
    return module.startswith(_CLIENTS) or isinstance(exc, (OSError, TimeoutError)) or module == "http.client"


KEYSTONE_UNREACHABLE = "Keystone unreachable"


def map_exception(exc: BaseException, region: str | None) -> CloudError | InternalError:
    """Translate any exception from a Heat or Keystone call: a `CloudError` for what the cloud or
    the network answered, an `InternalError` for a bug of ours (logged by the caller)."""
    if isinstance(exc, (CloudError, InternalError)):
        return exc
    if not _cloud_type(exc) and raised_by_our_code(exc):
        return InternalError(region, exc)
    if isinstance(exc, json.JSONDecodeError):
        # The answer came, but not as JSON: cut short on the way, or not from Heat at all.
        if exc.pos > 0:
            return CloudError(UNAVAILABLE, f"response cut short (its JSON ends after {exc.pos} bytes)", region)
        return CloudError(UNAVAILABLE, "answered with a body that is not JSON (not Heat speaking?)", region)
    if (
        isinstance(exc, AttributeError)
        and "has no attribute" in str(exc)
        and str(exc).startswith(("'bytes' object", "'str' object"))
    ) or (isinstance(exc, TypeError) and "indices must be integers" in str(exc)):
        # heatclient falls back to the raw body when it is not JSON, then fails to read it.
        return CloudError(UNAVAILABLE, "answered with a body that is not JSON, or cut short", region)
    if "RemoteDisconnected" in str(exc) or "without response" in str(exc):
        return CloudError(UNAVAILABLE, "connection closed without an answer (reset)", region)
    from heatclient import exc as hexc
    from keystoneauth1 import exceptions as kexc

    if isinstance(exc, hexc.HTTPNotFound) or isinstance(exc, kexc.http.NotFound):
        message = heat_message(exc)
        if any(marker in message for marker in _STORE_LOST):
            return CloudError(STORE, _store_lost(message), region)
        return CloudError(NOT_FOUND, message, region)
    if isinstance(exc, hexc.HTTPConflict) or isinstance(exc, kexc.http.Conflict):
        return CloudError(CONFLICT, heat_message(exc), region)
    if isinstance(exc, (hexc.HTTPUnauthorized, kexc.http.Unauthorized)):
        return CloudError(UNAUTHORIZED, "authentication failed: check the credentials in clouds.yaml", region)
    if isinstance(exc, (hexc.HTTPForbidden, kexc.http.Forbidden)):
        return CloudError(FORBIDDEN, "not allowed: " + heat_message(exc), region)
    if isinstance(exc, (hexc.HTTPBadRequest, kexc.http.BadRequest)):
        return CloudError(INVALID, heat_message(exc), region)
    if isinstance(exc, kexc.EndpointNotFound):
        return CloudError(CONFIG, "no orchestration endpoint for this region in the catalog", region)
    if isinstance(exc, (kexc.ConnectTimeout, kexc.ConnectFailure)) and "/auth/tokens" in str(exc):
        # The token could not be had: the cloud's Keystone, not the region, did not answer (every region of
        # that cloud fails for this one reason: said once, core/live/fleet.py keystone_down).
        said = "timed out: no answer" if isinstance(exc, kexc.ConnectTimeout) else "connection refused or failed"
        return CloudError(UNAVAILABLE, f"{KEYSTONE_UNREACHABLE}: {said}", region)
    if isinstance(exc, (kexc.ConnectTimeout,)):
        # keystoneauth reports read timeouts as ConnectTimeout too.
        return CloudError(UNAVAILABLE, "timed out: no answer", region)
    if isinstance(exc, kexc.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return CloudError(UNAVAILABLE, tls_refused(str(exc)), region)
    if isinstance(exc, kexc.ConnectFailure):
        return CloudError(UNAVAILABLE, "connection refused or failed", region)
    if isinstance(exc, (TimeoutError,)) or type(exc).__name__ in ("ReadTimeout", "Timeout"):
        return CloudError(UNAVAILABLE, "no answer within the timeout", region)
    if isinstance(exc, kexc.UnknownConnectionError):
        return CloudError(UNAVAILABLE, "connection error", region)
    if isinstance(exc, kexc.InvalidResponse):
        return CloudError(UNAVAILABLE, "answered with a body that is not JSON, or cut short", region)
    if isinstance(exc, kexc.DiscoveryFailure):
        return CloudError(UNAVAILABLE, "identity service unreachable or misconfigured", region)
    if isinstance(exc, kexc.MissingRequiredOptions):
        return CloudError(
            CONFIG, "clouds.yaml is missing auth options: " + ", ".join(o.dest for o in exc.options), region
        )
    if isinstance(exc, hexc.HTTPException):
        code = getattr(exc, "code", 0) or 0
        if code >= 500 and _from_a_proxy(str(exc)):
            return CloudError(UNAVAILABLE, f"answered {code} (HTML from a proxy, not Heat)", region)
        if code == 503 and "Keystone service is temporarily unavailable" in str(getattr(exc, "message", "")):
            # keystonemiddleware in front of Heat: the region is up, its cloud's Keystone is not (it cannot
            # check the token), so every region of that cloud answers this (said once: KEYSTONE_UNREACHABLE).
            return CloudError(UNAVAILABLE, f"{KEYSTONE_UNREACHABLE}: Heat answers 503, it cannot check tokens", region)
        if code >= 500:
            return CloudError(UNAVAILABLE, f"server error {code}: {heat_message(exc)}", region)
        return CloudError(INVALID, heat_message(exc), region)
    if isinstance(exc, kexc.http.HttpError):
        code = getattr(exc, "http_status", 0) or 0
        response = getattr(exc, "response", None)
        if code >= 500 and _from_a_proxy(response.text if response is not None else str(exc)):
            return CloudError(UNAVAILABLE, f"answered {code} (HTML from a proxy, not Keystone or Heat)", region)
        kind = UNAVAILABLE if code >= 500 else INVALID
        return CloudError(kind, f"{code} {exc.message}" if code else str(exc), region)
    if isinstance(exc, kexc.ClientException):
        return CloudError(UNAVAILABLE, str(exc).splitlines()[0], region)
    # Raised inside a client library reading the answer (a body it did not expect): the cloud's doing.
    return CloudError(
        UNAVAILABLE, f"unexpected answer ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})", region
    )


def tls_refused(text: str) -> str:
    """One line for a TLS failure: which endpoint, and why its certificate was not trusted (the CA that
    clouds.yaml names did not sign it, or it names another host)."""
    found = re.search(r"https://[^/\s:]+(:\d+)?", text)
    endpoint = found.group(0) if found else "the endpoint"
    why = re.search(r"certificate verify failed: ([^(]+?)\s*\(_ssl", text)
    reason = why.group(1).strip() if why else (re.search(r"\[SSL[^\]]*\][^(]*", text) or [text[:80]])[0].strip()
    return (
        f"TLS: {endpoint} presented a certificate this cloud does not trust ({reason}): check `cacert` "
        "in clouds.yaml (the CA that signs the cloud's endpoints)"
    )


def log_internal(error: InternalError) -> None:
    """The traceback of a bug goes to mrconsole.log, once, never to the screen."""

    cause = error.cause or error
    logger().error(
        "internal error%s%s",
        f" in region {error.region}" if error.region else "",
        f" ({error.what})" if error.what else "",
        exc_info=(type(cause), cause, cause.__traceback__),
    )


__all__ = ["CloudError", "InternalError", "log_internal", "map_exception"]
