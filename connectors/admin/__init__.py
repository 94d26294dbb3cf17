"""The Django admin for connectors: the catalog (read-only), connections (credentials
write-only), connector calls (read-only, with replay) and the circuit breakers (one per
connection, with reset).

Every form and action calls the connector services; nothing here writes a row itself.
"""

from connectors.admin import breakers, calls, catalog, connections

__all__ = ["breakers", "calls", "catalog", "connections"]
