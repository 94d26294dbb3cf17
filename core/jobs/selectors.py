"""Reading jobs."""

from __future__ import annotations

from core.jobs.models import Job
from tenants.models import Tenant


def tenant_job(*, tenant: Tenant, job_id) -> Job | None:
    """A job of ``tenant``; None for an unknown id or another tenant's (or an admin) job."""
    return Job.objects.filter(tenant=tenant, pk=job_id).first()
