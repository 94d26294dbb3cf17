"""The hub's own Prometheus metrics, exported at /metrics beside django-prometheus's.

Each app declares its metrics here or in its own ``metrics.py`` with the ``switchboard_`` prefix,
so one registry (prometheus_client's default) serves them all.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from prometheus_client import Counter, Gauge

PREFIX = "switchboard"

# A gauge rather than an Info metric, which prometheus_client's multiprocess mode can't export.
BUILD_INFO = Gauge(
    f"{PREFIX}_build_info", "Switchboard build: always 1.", ["version"], multiprocess_mode="max"
)

API_AUTH_FAILURES = Counter(
    f"{PREFIX}_api_auth_failures_total",
    "API requests refused by authentication (401) or tenant mismatch (403).",
    ["reason"],
)


def _package_version() -> str:
    try:
        return version("switchboard")
    except PackageNotFoundError:
        return "unknown"


BUILD_INFO.labels(version=_package_version()).set(1)

OUTBOUND_REFUSED = Counter(
    f"{PREFIX}_outbound_refused_total",
    "Outbound targets refused by the address guard (loopback, private, metadata...), by reason.",
    ["reason"],
)
