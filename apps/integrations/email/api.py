"""``POST /api/v1/email/send``, ``GET /api/v1/email/{id}`` and ``POST /api/v1/events/{id}/email``.

The views only validate and queue (:func:`apps.integrations.email.sending.send_email`); the worker sends.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import idempotent
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.email.sending import PRIORITIES, email_data, send_email, send_template_to_attendees

MANAGE = "integrations.manage"


def _bad_request(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"detail": exc.messages[0] if exc.messages else "Invalid input."})


class AttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255)
    content_type = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    content_base64 = serializers.CharField(allow_blank=False, trim_whitespace=True)


class AddressListField(serializers.ListField):
    child = serializers.CharField(max_length=254)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", list)
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


class SendEmailSerializer(serializers.Serializer):
    template_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=998)
    html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    to = AddressListField()
    cc = AddressListField()
    bcc = AddressListField()
    reply_to = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=254)
    priority = serializers.ChoiceField(choices=PRIORITIES, required=False, default="normal")
    from_name = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    context = serializers.DictField(required=False, default=dict)
    attachments = AttachmentSerializer(many=True, required=False, default=list)


class EmailSendView(APIView):
    """Queue an e-mail from a template or raw html/text; answers 202 with its id."""

    required_scopes = {"POST": MANAGE}

    @idempotent
    def post(self, request):
        serializer = SendEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            log = send_email(
                to=data["to"],
                cc=data["cc"],
                bcc=data["bcc"],
                subject=data.get("subject") or None,
                html=data.get("html") or None,
                text=data.get("text") or None,
                template=data.get("template_id"),
                context=data["context"],
                reply_to=data.get("reply_to") or None,
                priority=data["priority"],
                attachments=[dict(item) for item in data["attachments"]],
                from_name=data.get("from_name"),
            )
        except DjangoValidationError as exc:
            raise _bad_request(exc) from None
        return Response({"email_id": log.pk}, status=status.HTTP_202_ACCEPTED)


class EmailDetailView(APIView):
    """Delivery state of one e-mail: ``queued|sent|failed``, its Message-ID and the last error."""

    required_scopes = {"GET": MANAGE}

    def get(self, request, pk: int):
        log = get_object_or_404(EmailMessageLog, pk=pk)
        return Response(email_data(log))


class EventEmailSerializer(serializers.Serializer):
    template_id = serializers.IntegerField(min_value=1)
    context = serializers.DictField(required=False, default=dict)


class EventEmailView(APIView):
    """Send an e-mail template to every attendee of an event (one message each)."""

    required_scopes = {"POST": MANAGE}

    @idempotent
    def post(self, request, pk: int):
        from apps.events.models import Event

        event = get_object_or_404(Event.objects.select_related("calendar"), pk=pk)
        serializer = EventEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            logs = send_template_to_attendees(
                event=event,
                template=serializer.validated_data["template_id"],
                context=serializer.validated_data["context"],
            )
        except DjangoValidationError as exc:
            raise _bad_request(exc) from None
        return Response(
            {"email_ids": [log.pk for log in logs], "recipients": [log.to[0] for log in logs]},
            status=status.HTTP_202_ACCEPTED,
        )
