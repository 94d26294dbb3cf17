from __future__ import annotations

from rest_framework import serializers

from core.jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(
        help_text="Share of the rows processed, 0 to 1; null until the job has picked its rows."
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "total",
            "done",
            "skipped",
            "failed",
            "progress",
            "error",
            "parameters",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job: Job) -> float | None:
        if job.total is None:
            return None
        if job.total == 0:
            return 1.0
        return round(job.processed / job.total, 4)
