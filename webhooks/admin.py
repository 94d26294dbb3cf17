"""The webhooks app's admin; Django's autodiscovery imports this module."""

import webhooks.inbound.admin
import webhooks.outbound.admin  # noqa: F401 - registers the outbound admin
