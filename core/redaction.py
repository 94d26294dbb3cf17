"""Keeping secrets that arrive in URLs out of the logs.

Some providers authenticate with a secret in the query string (Dynamics' ``?code=``, Zapier's
``?token=``, a registration's configured ``secret_param``, Meta's ``hub.verify_token``). Django
logs every 4xx and 5xx with the request in the record, and a request's repr carries its query:
the structured log shows a request as its method and path, with every query value redacted.
Any other logged string has the values of secret-looking query parameters redacted.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from django.http import HttpRequest

REDACTED = "[redacted]"
# A query parameter whose name looks like a credential, in a URL or query string in a message.
_SECRET_PARAM = re.compile(
    r"(?i)((?:^|[?&;])[^=&?\s'\"]*(?:code|token|secret|key|sig|password|auth)[^=&?\s'\"]*=)"
    r"[^&;\s'\"#]*"
)


def loggable_path(request: HttpRequest) -> str:
    """``request.get_full_path()`` with every query value redacted (the names stay)."""
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return request.path
    names = (part.split("=", 1)[0] for part in re.split(r"[&;]", query) if part)
    return f"{request.path}?" + "&".join(f"{name}={REDACTED}" for name in names)


def redact_query_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: no request's query value, nor a secret-looking parameter of a
    URL in a logged string, reaches the rendered line."""
    for key, value in event_dict.items():
        if isinstance(value, HttpRequest):
            event_dict[key] = f"<{type(value).__name__}: {value.method} {loggable_path(value)!r}>"
        elif isinstance(value, str) and "=" in value:
            event_dict[key] = _SECRET_PARAM.sub(rf"\1{REDACTED}", value)
    return event_dict
