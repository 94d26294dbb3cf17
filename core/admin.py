"""The core app's admin; Django's autodiscovery imports this module."""

import core.jobs.admin  # noqa: F401 - registers the jobs admin
