"""OpenAPI description of the sync endpoints (see ``apps.core.openapi``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from apps.core.openapi import document
from apps.sync import api


class SyncQueued(serializers.Serializer):
    task_id = serializers.CharField()
    queued_at = serializers.DateTimeField()


class SyncRun(serializers.Serializer):
    task_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "failed", "skipped", "succeeded"])
    full = serializers.BooleanField()
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    errors = serializers.ListField(child=serializers.DictField())
    calendars = serializers.ListField(child=serializers.DictField())


class SyncCalendarHealth(serializers.Serializer):
    calendar_id = serializers.CharField()
    source = serializers.CharField()
    enabled = serializers.BooleanField()
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    next_run_at = serializers.DateTimeField(allow_null=True)
    running = serializers.BooleanField()
    conflicts = serializers.IntegerField()


class SyncHealth(serializers.Serializer):
    interval_minutes = serializers.IntegerField()
    next_run_at = serializers.DateTimeField(allow_null=True)
    google_credentials = serializers.CharField()
    calendars = SyncCalendarHealth(many=True)


document(api.SyncCalendarView, post=extend_schema(request=api.SyncRequestSerializer, responses={202: SyncQueued}))
document(api.SyncRunView, get=extend_schema(responses=SyncRun))
document(api.SyncHealthView, get=extend_schema(auth=[], responses=SyncHealth))
