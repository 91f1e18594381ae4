"""A tiny create endpoint for exercising the shared Idempotency-Key mechanism in isolation."""

from __future__ import annotations

import threading

from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import idempotent
from apps.core.models import Heartbeat

gate = threading.Event()
entered = threading.Event()


class CreateThing(APIView):
    required_scopes = {"POST": "events.write"}

    @idempotent
    def post(self, request):
        if request.data.get("slow"):
            entered.set()
            gate.wait(10)
        if request.data.get("boom"):
            raise ValueError("boom")
        row = Heartbeat.objects.create(name=f"thing-{Heartbeat.objects.count()}", last_seen=timezone.now())
        return Response({"id": row.name, "echo": request.data}, status=201)


urlpatterns = [path("things", CreateThing.as_view())]
