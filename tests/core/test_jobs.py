"""Background jobs: started by a request or an admin action, run in chunks, resumed after a
dead worker from the last committed chunk, and visible to their tenant only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.jobs import kinds, queue, services
from core.jobs.models import Job, JobItem, JobStatus
from tenants.models import Tenant
from tests.factories import IssuedKeyFactory, TenantFactory, make_subscription
from webhooks.outbound.models import Delivery, DeliveryStatus
from webhooks.outbound.publishing import publish

pytestmark = pytest.mark.django_db
DEAD = "/api/v1/admin/dead-letters"


class WorkerDied(BaseException):
    """What a SIGKILL looks like from inside a run: nothing after it runs, nothing is caught."""


def _mark(tenant_ids) -> kinds.ChunkOutcome:
    # A visible, non-idempotent effect: applying a chunk twice would leave "++".
    Tenant.objects.filter(pk__in=tenant_ids).update(name=Concat(F("name"), Value("+")))
    return kinds.ChunkOutcome(done=len(tenant_ids))


@pytest.fixture
def dying_kind():
    """A kind whose run dies (after its effect, before its commit) on the second chunk."""
    chunks = {"applied": 0}

    def apply(tenant_ids) -> kinds.ChunkOutcome:
        outcome = _mark(tenant_ids)
        chunks["applied"] += 1
        if chunks["applied"] == 2:
            raise WorkerDied()
        return outcome

    kinds.register(kinds.JobKind(name="test.dies_once", label="Dies once", apply=apply))
    return "test.dies_once"


@pytest.fixture
def sent(monkeypatch) -> list:
    """The job ids the sweeper hands to the broker."""
    ids: list = []
    monkeypatch.setattr(queue, "enqueue_jobs", lambda job_ids: ids.extend(job_ids))
    return ids


def _tenants(count: int):
    return Tenant.objects.filter(pk__in=[TenantFactory(name="t").pk for _ in range(count)])


def _dead_letters(tenant, count: int) -> list[Delivery]:
    make_subscription(tenant=tenant, url="https://hooks.example.com/in")
    ids = [publish(tenant, "client.created", {"n": n}).deliveries[0].pk for n in range(count)]
    Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.DEAD, dead_at=timezone.now())
    return list(Delivery.objects.filter(pk__in=ids))


def test_bulk_replay_answers_202_with_the_job_and_leaves_the_work_to_a_worker(api_client, tenant):
    dead = _dead_letters(tenant, 3)
    response = api_client.post(f"{DEAD}/replay", {}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["status"], body["total"], body["done"]) == (
        "deliveries.replay",
        "queued",
        None,
        0,
    )
    assert response["Location"] == f"http://testserver/api/v1/jobs/{body['id']}"
    assert {d.status for d in Delivery.objects.filter(pk__in=[d.pk for d in dead])} == {"dead"}
    assert not JobItem.objects.exists()  # the rows are picked on the worker too

    services.run_job(job_id=body["id"])
    followed = api_client.get(response["Location"]).json()
    assert followed["status"] == "succeeded" and followed["progress"] == 1.0
    assert (followed["total"], followed["done"], followed["skipped"]) == (3, 3, 0)
    assert followed["started_at"] and followed["finished_at"]
    assert {d.status for d in Delivery.objects.filter(pk__in=[d.pk for d in dead])} == {"pending"}


def test_a_job_runs_in_chunks_and_keeps_only_its_counts(settings, tenant):
    settings.JOB_CHUNK_SIZE = 2
    _dead_letters(tenant, 5)
    job = services.start_job(
        kind="deliveries.replay",
        tenant=tenant,
        requested_by="test",
        parameters={"statuses": ["dead"]},
    )
    finished = services.run_job(job_id=job.pk)
    assert (finished.status, finished.total, finished.done, finished.skipped) == (
        "succeeded",
        5,
        5,
        0,
    )
    assert finished.lease_expires_at is None and not JobItem.objects.filter(job=job).exists()
    assert services.run_job(job_id=job.pk) is None  # a repeated message finds it finished


def test_a_job_whose_worker_died_is_resumed_by_the_sweeper_after_its_last_chunk(
    settings, dying_kind, sent
):
    settings.JOB_CHUNK_SIZE = 2
    rows = _tenants(5)
    job = services.start_job(kind=dying_kind, tenant=None, requested_by="test", rows=rows)
    assert job.total == 5

    with pytest.raises(WorkerDied):
        services.run_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.RUNNING, 2)  # the second chunk rolled back
    assert services.run_job(job_id=job.pk) is None  # its lease still holds it
    assert services.sweep() == 0 and sent == []

    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.sweep() == 1 and sent == [job.pk]
    resumed = services.run_job(job_id=job.pk)
    assert (resumed.status, resumed.total, resumed.done, resumed.failed) == ("succeeded", 5, 5, 0)
    assert sorted(rows.values_list("name", flat=True)) == ["t+"] * 5  # each row exactly once


def test_a_queued_job_whose_message_was_lost_is_sent_again(settings, sent):
    job = services.start_job(
        kind="deliveries.replay", tenant=None, requested_by="t", rows=_tenants(1)
    )
    assert services.sweep() == 0  # its message may still be on its way
    stale = timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(enqueued_at=stale)
    assert services.sweep() == 1 and sent == [job.pk]


def test_a_chunk_that_raises_fails_the_job_with_the_reason():
    def apply(ids):
        raise ValueError("no such table")

    kinds.register(kinds.JobKind(name="test.raises", label="Raises", apply=apply))
    job = services.start_job(kind="test.raises", tenant=None, requested_by="t", rows=_tenants(2))
    failed = services.run_job(job_id=job.pk)
    assert (failed.status, failed.error, failed.done) == ("failed", "ValueError: no such table", 0)
    assert failed.finished_at and not JobItem.objects.filter(job=job).exists()


def test_a_tenant_sees_its_own_jobs_only(api_client, tenant):
    own = services.start_job(
        kind="deliveries.replay", tenant=tenant, requested_by="t", parameters={"statuses": ["dead"]}
    )
    other = IssuedKeyFactory().api_key.tenant
    foreign = services.start_job(
        kind="deliveries.replay", tenant=other, requested_by="t", parameters={"statuses": ["dead"]}
    )
    operators = services.start_job(
        kind="deliveries.replay", tenant=None, requested_by="admin:ops", rows=_tenants(1)
    )
    assert api_client.get(f"/api/v1/jobs/{own.pk}").json()["id"] == str(own.pk)
    for job_id in (foreign.pk, operators.pk, uuid.uuid4()):
        response = api_client.get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_jobs_endpoint_needs_a_key(anonymous_client):
    assert anonymous_client.get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 401


def test_the_job_admin_shows_progress_and_filters_by_kind_and_status(staff_client, tenant):
    running = services.start_job(
        kind="deliveries.replay", tenant=None, requested_by="admin:ops", rows=_tenants(4)
    )
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, done=1, skipped=1)
    failed = services.start_job(
        kind="inbound_events.reprocess", tenant=None, requested_by="t", rows=_tenants(1)
    )
    Job.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, error="ValueError: boom")

    page = staff_client.get("/admin/core/job/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress value="2" max="4"></progress> 2 / 4' in html
    assert "Replay failed and dead deliveries" in html and "Reprocess inbound events" in html

    def listed(query: str) -> set:
        return {
            job.pk for job in staff_client.get(f"/admin/core/job/{query}").context["cl"].result_list
        }

    assert listed("?kind=inbound_events.reprocess") == {failed.pk}
    assert listed("?status__exact=running") == {running.pk}
    detail = staff_client.get(f"/admin/core/job/{failed.pk}/change/").content.decode()
    assert "ValueError: boom" in detail
    assert staff_client.get("/admin/core/job/add/").status_code == 403
    assert staff_client.get(f"/admin/core/job/{failed.pk}/delete/").status_code == 403


def test_migrate_creates_the_job_sweeper_schedule(settings):
    task = PeriodicTask.objects.get(task="core.sweep_jobs")
    assert task.enabled and task.interval.every == settings.JOB_SWEEP_INTERVAL_SECONDS


def test_the_openapi_documents_the_jobs_and_the_202_replies(client):
    spec = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    job_ref = {"$ref": "#/components/schemas/Job"}
    jobs = spec["paths"]["/api/v1/jobs/{job_id}"]["get"]["responses"]
    assert jobs["200"]["content"]["application/json"]["schema"] == job_ref
    assert "404" in jobs
    bulk = spec["paths"]["/api/v1/admin/dead-letters/replay"]["post"]["responses"]
    assert bulk["202"]["content"]["application/json"]["schema"] == job_ref
    retry = spec["paths"]["/api/webhooks/retry"]["post"]["responses"]["202"]
    retry_schema = retry["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    fields = spec["components"]["schemas"][retry_schema]["properties"]
    assert {"success", "retriedCount", "jobId", "job"} <= set(fields)
