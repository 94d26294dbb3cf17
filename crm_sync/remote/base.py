"""The client side of CRM polling: what a provider adapter returns (contacts, pages, webhook
changes), the errors it raises, and ``RemoteApi``, the one way an adapter calls a CRM.

``RemoteApi`` speaks HTTP through the hub's SSRF-guarded session and turns every answer the
caller must act on into an exception that says whether to retry: 429 (and Salesforce's 403
``REQUEST_LIMIT_EXCEEDED``) is ``RateLimited`` with the wait, a 5xx or a network failure is a
retryable ``RemoteError``, any other 4xx a permanent one naming the provider's message. The
access token is sent, never shown: not in messages, not in ``repr``.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from connectors.providers import get_definition
from core.http import TargetNotAllowed, outbound_session

if TYPE_CHECKING:
    from connectors.models import Connection

# Seconds to connect and to read. A poll page is one request; a CRM slower than this is down
# for our purposes, and the caller retries the page from its saved cursor.
TIMEOUT_SECONDS = 10.0
DEFAULT_RETRY_AFTER = 1.0  # when a rate limit names no wait (Salesforce never does)
SALESFORCE_LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"
# Left unescaped in query strings: OData's $-names and SOQL's commas and quotes read better, and
# every CRM takes them as-is. Spaces become %20, never "+", so a "+" always means "+".
_QUERY_SAFE = "$,'()"


class CannotPush(ValueError):
    """A local client this CRM can't hold as it is (HubSpot keys contacts on email, Salesforce
    requires a last name). Permanent until the client changes: the message says what's missing."""


@dataclass(frozen=True)
class RemoteContact:
    provider: str  # "hubspot" | "salesforce" | "dynamics"
    external_id: str  # HubSpot id / Salesforce Id / Dynamics contactid
    fields: dict[str, str]  # canonical keys with a value: first_name, last_name, email, ...
    modified_at: datetime  # aware, UTC
    raw: dict  # the record as the provider returned it
    object_type: str = "contact"
    deleted: bool = False


@dataclass(frozen=True)
class Page:
    contacts: list[RemoteContact]
    cursor: dict  # JSON-serialisable; saved in the same transaction that commits this page
    done: bool  # this poll has caught up


@dataclass(frozen=True)
class WebhookChange:
    external_id: str
    contact: RemoteContact | None  # None when the payload is partial: call fetch_contact
    deleted: bool = False


class RemoteError(Exception):
    """A CRM call failed. ``retryable`` says whether the same call can succeed later;
    ``code`` is the provider's error code when it sent one (e.g. INVALID_QUERY_LOCATOR)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool = False,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retryable = retryable
        self.code = code


class RateLimited(RemoteError):
    """The CRM asked us to slow down; try again after ``retry_after`` seconds (> 0)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        status_code: int | None = 429,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, retryable=True, code=code)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Answer:
    """A successful response: its parsed JSON (None when empty) and its headers."""

    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def server_time(self) -> datetime | None:
        """The CRM's clock from the ``Date`` header, to tell settled timestamps from live ones."""
        return _http_date(self.headers.get("Date"))


class RemoteApi:
    """One connection's CRM API: base URL, config and token, over one reused session."""

    def __init__(
        self,
        *,
        provider: str,
        base_url: str,
        config: dict[str, Any],
        token: str,
        session: requests.Session | None = None,
    ) -> None:
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.token = token
        self._session = session or outbound_session()

    @classmethod
    def for_connection(cls, connection: Connection) -> RemoteApi:
        definition = get_definition(connection.connector)
        if definition is None:
            raise ValueError(f"unknown connector {connection.connector!r}")
        token = (connection.credentials or {}).get("access_token")
        if not token:
            raise ValueError(f"connection {connection.pk} has no access_token credential")
        config = dict(connection.config or {})
        base_url = definition.base_url(override=connection.base_url, config=config)
        return cls(provider=definition.code, base_url=base_url, config=config, token=token)

    def __repr__(self) -> str:  # never the token
        return f"RemoteApi(provider={self.provider!r}, base_url={self.base_url!r})"

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The parsed JSON answer (None for an empty one, e.g. 204); raises RemoteError."""
        return self.call(method, path_or_url, params=params, json=json, headers=headers).body

    def call(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """As ``request``, with the response headers too."""
        url = self.url(path_or_url, params=params)
        sent = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            response = self._session.request(
                method,
                url,
                json=json,
                headers={**sent, **(headers or {})},
                timeout=(TIMEOUT_SECONDS, TIMEOUT_SECONDS),
                allow_redirects=False,  # a redirect could carry the token elsewhere
            )
        except TargetNotAllowed as exc:
            raise RemoteError(f"{self.provider}: {exc}") from exc
        except requests.RequestException as exc:
            # The exception's text names the URL at most, never our headers.
            raise RemoteError(
                f"{self.provider} unreachable: {type(exc).__name__}: {exc}", retryable=True
            ) from exc
        return _answer(self.provider, response)

    def url(self, path_or_url: str, *, params: Mapping[str, Any] | None = None) -> str:
        """A path joined to the base URL, or a paging URL the CRM gave (same host only: the
        token must not follow a link elsewhere), with ``params`` percent-encoded."""
        theirs = urlsplit(path_or_url)
        if theirs.scheme:
            ours = urlsplit(self.base_url)
            if (ours.scheme, ours.netloc) != (theirs.scheme, theirs.netloc):
                raise RemoteError(
                    f"{self.provider} gave a link to another host ({theirs.netloc}); not following"
                )
            url = path_or_url
        else:
            url = f"{self.base_url}/{path_or_url.lstrip('/')}"
        if params:
            query = urlencode(params, safe=_QUERY_SAFE, quote_via=quote)
            url += ("&" if "?" in url else "?") + query
        return url

    def get_or_none(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """GET a record; None when the CRM answers 404 (no such record, or deleted)."""
        try:
            return self.request("GET", path, params=params)
        except RemoteError as error:
            if error.status_code == 404:
                return None
            raise

    def close(self) -> None:
        self._session.close()


def _answer(provider: str, response: requests.Response) -> Answer:
    status = response.status_code
    if 200 <= status < 300:
        if not response.content:
            return Answer(None, response.headers)
        try:
            return Answer(response.json(), response.headers)
        except ValueError:
            # A 2xx that isn't JSON is a proxy or an outage page: worth another try.
            raise RemoteError(
                f"{provider} answered HTTP {status} that is not JSON",
                status_code=status,
                retryable=True,
            ) from None
    code, message = _provider_error(response)
    described = f"{provider} answered HTTP {status}" + (f": {message}" if message else "")
    if status == 429 or (provider == "salesforce" and code == SALESFORCE_LIMIT_CODE):
        wait = retry_after(response.headers)
        raise RateLimited(described, retry_after=wait, status_code=status, code=code)
    raise RemoteError(described, status_code=status, retryable=status >= 500, code=code)


def _provider_error(response: requests.Response) -> tuple[str | None, str]:
    """(code, message) from the three CRMs' error shapes: HubSpot ``{"category", "message"}``,
    Salesforce ``[{"errorCode", "message"}]``, Dataverse ``{"error": {"code", "message"}}``."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:300].strip()
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if not isinstance(body, dict):
        return None, str(body)[:300]
    code = body.get("errorCode") or body.get("code") or body.get("category")
    message = str(body.get("message") or "")[:300]
    return (str(code) if code not in (None, "") else None), message


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds to wait: ``Retry-After`` (seconds or an HTTP date), else HubSpot's
    ``X-HubSpot-RateLimit-Interval-Milliseconds`` (its window), else 1 s. Always > 0."""
    waits = (
        _seconds_or_date(headers.get("Retry-After")),
        _number(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"), scale=1000),
    )
    usable = (wait for wait in waits if wait is not None and 0 < wait < math.inf)
    return next(usable, DEFAULT_RETRY_AFTER)


def _seconds_or_date(value: str | None) -> float | None:
    seconds = _number(value)
    if seconds is not None:
        return seconds
    moment = _http_date(value)
    return None if moment is None else moment.timestamp() - time.time()


def _number(value: str | None, *, scale: float = 1.0) -> float | None:
    try:
        return float(value) / scale if value is not None else None
    except ValueError:
        return None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
