"""Routes of the e-mail API (mounted from ``apps/integrations/urls.py``)."""

from __future__ import annotations

from django.urls import path

from apps.integrations.email.api import EmailDetailView, EmailSendView, EventEmailView

urlpatterns = [
    path("email/send", EmailSendView.as_view(), name="email-send"),
    path("email/<int:pk>", EmailDetailView.as_view(), name="email-detail"),
    path("events/<int:pk>/email", EventEmailView.as_view(), name="event-email"),
]
