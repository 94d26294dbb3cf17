from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core.jobs import selectors
from core.jobs.api.serializers import JobSerializer
from core.jobs.models import Job
from tenants.scoping import request_tenant


class JobDetailView(APIView):
    @extend_schema(
        summary="A background job and its progress",
        responses={
            200: JobSerializer,
            404: OpenApiResponse(description="No such job for this tenant."),
        },
    )
    def get(self, request: Request, job_id) -> Response:
        job = selectors.tenant_job(tenant=request_tenant(request), job_id=job_id)
        if job is None:
            raise NotFound("No such job.")
        return Response(JobSerializer(job).data)


def job_accepted(request: Request, job: Job, *, body: dict | None = None) -> Response:
    """202 for a bulk operation started as a job: ``body`` (the job unless given) and, in
    ``Location``, where to follow it."""
    location = reverse("job-detail", kwargs={"job_id": job.pk}, request=request)
    return Response(
        JobSerializer(job).data if body is None else body,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": location},
    )
