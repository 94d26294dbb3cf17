"""Following a job an admin action or the API started, as a worker would run it."""

from __future__ import annotations

import re

from core.jobs.models import Job
from core.jobs.services import run_job

ANNOUNCED = re.compile(r'<a href="/admin/core/job/([0-9a-f-]{36})/change/">job \1</a>')


def announced_job(response) -> Job:
    """The one job the admin page's messages link to."""
    messages = [str(message) for message in response.context["messages"]]
    (job_id,) = [found for message in messages for found in ANNOUNCED.findall(message)]
    return Job.objects.get(pk=job_id)


def run_announced_job(response) -> Job:
    """Run (in this process, as a worker would) the job the admin's message links to."""
    return run_job(job_id=announced_job(response).pk)
