"""heatclient's and keystoneauth's exceptions, mapped to a few console errors.

Every error says which region and what an operator can do about it, in one
line, and never carries a token or password.
"""

from __future__ import annotations

import json

NOT_FOUND = "not_found"
CONFLICT = "conflict"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
UNAVAILABLE = "unavailable"
INVALID = "invalid"          # Heat rejected the request (validation, 400)
CONFIG = "config"            # clouds.yaml, cloud or region problems


class CloudError(Exception):
    one_line = True

    def __init__(self, kind: str, message: str, region: str | None = None, request_id: str | None = None):
        self.kind = kind
        self.region = region
        self.request_id = request_id
        self.message = message
        super().__init__(f"{region}: {message}" if region else message)


def _heat_message(exc) -> str:
    """heatclient puts Heat's JSON error into the text; keep its first line."""
    text = str(getattr(exc, "error", None) and exc.error.get("error", {}).get("message") or exc)
    for prefix in ("ERROR: ",):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _from_a_proxy(text: str) -> bool:
    """An HTML page where Heat answers JSON: a proxy or load balancer spoke, not Heat."""
    head = text[:300].lower()
    return "<html" in head or "<!doctype html" in head


def map_exception(exc: BaseException, region: str | None) -> CloudError:
    """Translate any exception from a Heat or Keystone call."""
    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, json.JSONDecodeError):
        # The answer came, but not as JSON: cut short on the way, or not from Heat at all.
        if exc.pos > 0:
            return CloudError(UNAVAILABLE, f"response cut short (its JSON ends after {exc.pos} bytes)", region)
        return CloudError(UNAVAILABLE, "answered with a body that is not JSON (not Heat speaking?)", region)
    if (isinstance(exc, AttributeError) and "has no attribute" in str(exc)
            and str(exc).startswith(("'bytes' object", "'str' object"))) or \
            (isinstance(exc, TypeError) and "indices must be integers" in str(exc)):
        # heatclient falls back to the raw body when it is not JSON, then fails to read it.
        return CloudError(UNAVAILABLE, "answered with a body that is not JSON, or cut short", region)
    if "RemoteDisconnected" in str(exc) or "without response" in str(exc):
        return CloudError(UNAVAILABLE, "connection closed without an answer (reset)", region)
    from heatclient import exc as hexc
    from keystoneauth1 import exceptions as kexc

    if isinstance(exc, hexc.HTTPNotFound) or isinstance(exc, kexc.http.NotFound):
        return CloudError(NOT_FOUND, _heat_message(exc), region)
    if isinstance(exc, hexc.HTTPConflict) or isinstance(exc, kexc.http.Conflict):
        return CloudError(CONFLICT, _heat_message(exc), region)
    if isinstance(exc, (hexc.HTTPUnauthorized, kexc.http.Unauthorized)):
        return CloudError(UNAUTHORIZED, "authentication failed: check the credentials in clouds.yaml", region)
    if isinstance(exc, (hexc.HTTPForbidden, kexc.http.Forbidden)):
        return CloudError(FORBIDDEN, "not allowed: " + _heat_message(exc), region)
    if isinstance(exc, (hexc.HTTPBadRequest, kexc.http.BadRequest)):
        return CloudError(INVALID, _heat_message(exc), region)
    if isinstance(exc, kexc.EndpointNotFound):
        return CloudError(CONFIG, "no orchestration endpoint for this region in the catalog", region)
    if isinstance(exc, (kexc.ConnectTimeout,)):
        # keystoneauth reports read timeouts as ConnectTimeout too.
        return CloudError(UNAVAILABLE, "timed out: no answer", region)
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
        return CloudError(CONFIG, "clouds.yaml is missing auth options: "
                          + ", ".join(o.dest for o in exc.options), region)
    if isinstance(exc, hexc.HTTPException):
        code = getattr(exc, "code", 0) or 0
        if code >= 500 and _from_a_proxy(str(exc)):
            return CloudError(UNAVAILABLE, f"answered {code} (HTML from a proxy, not Heat)", region)
        if code >= 500:
            return CloudError(UNAVAILABLE, f"server error {code}: {_heat_message(exc)}", region)
        return CloudError(INVALID, _heat_message(exc), region)
    if isinstance(exc, kexc.http.HttpError):
        code = getattr(exc, "http_status", 0) or 0
        response = getattr(exc, "response", None)
        if code >= 500 and _from_a_proxy(response.text if response is not None else str(exc)):
            return CloudError(UNAVAILABLE, f"answered {code} (HTML from a proxy, not Keystone or Heat)", region)
        kind = UNAVAILABLE if code >= 500 else INVALID
        return CloudError(kind, f"{code} {exc.message}" if code else str(exc), region)
    if isinstance(exc, kexc.ClientException):
        return CloudError(UNAVAILABLE, str(exc).splitlines()[0], region)
    return CloudError(UNAVAILABLE, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", region)
