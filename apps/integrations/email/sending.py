"""Sending e-mail: validate, render, log and queue; the worker's ``email`` transport sends.

:func:`send_email` never talks to a mail server. It checks the recipients and attachments,
renders the template (or takes raw html/text), fixes the ``Message-ID``, and writes the
:class:`EmailMessageLog` row, its attachments and an outbox row in one transaction. The outbox
delivers through :mod:`apps.integrations.transports.email` after commit, with retries on
temporary SMTP errors. Bad input raises :class:`django.core.exceptions.ValidationError`
(a 400 with the field at fault in the API) and writes nothing.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import fnmatch
import hashlib
import mimetypes
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from apps.integrations import outbox
from apps.integrations.email.models import EmailAttachment, EmailMessageLog
from apps.templates.rendering import TemplateRenderError, render_html, render_template, render_text
from chronos.config import Email, current

PRIORITIES = ("high", "normal", "low")

class SenderError(ValueError):
    """``email.from`` is neither an address nor ``Name <address>``."""


def sender(cfg: Email | None = None) -> tuple[str, str]:
    """``(display name, address)`` of ``email.from``: ``addr@host`` or ``Name <addr@host>``.

    Parsed by the standard library's header parser (quoted names with commas, non-ASCII names);
    more than one address, a line break or a malformed address raise :class:`SenderError`.
    Without a name in ``email.from`` the name is ``email.from_name``.
    """
    cfg = cfg or current().email
    raw = cfg.sender.strip()
    if "\r" in raw or "\n" in raw:
        raise SenderError(f"{raw!r} contains a line break")
    header = email.policy.default.header_factory("From", raw)
    addresses = header.addresses
    if len(addresses) != 1 or header.defects:
        raise SenderError(f"{raw!r} is not an e-mail address or 'Name <address>'")
    name, address = addresses[0].display_name, addresses[0].addr_spec
    if not address.endswith("@localhost"):
        try:
            validate_email(address)
        except ValidationError:
            raise SenderError(f"{raw!r} is not an e-mail address or 'Name <address>'") from None
    return (name or cfg.from_name), address


def message_id_domain(cfg: Email | None = None) -> str:
    cfg = cfg or current().email
    domain = cfg.message_id_domain.strip()
    if not domain:
        try:
            domain = sender(cfg)[1].rpartition("@")[2]
        except SenderError:
            domain = ""
    return domain or "chronos.localhost"


# --- input checks ---------------------------------------------------------------------------


@dataclass
class Attachment:
    """An attachment as given to :func:`send_email` (content as bytes)."""

    filename: str
    content: bytes
    content_type: str = ""


_CONTENT_TYPE_RE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+$")


def _address_list(value: Any, field: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[,;]", value)]
    if not isinstance(value, (list, tuple)):
        raise ValidationError({field: ["Must be a list of e-mail addresses."]})
    addresses = []
    for item in value:
        if not isinstance(item, str):
            raise ValidationError({field: ["Must be a list of e-mail addresses."]})
        address = item.strip()
        if not address:
            continue
        try:
            if "\r" in address or "\n" in address:
                raise ValidationError("line break")
            validate_email(address)
        except ValidationError:
            raise ValidationError({field: [f"{address!r} is not a valid e-mail address."]}) from None
        addresses.append(address)
    return addresses


def _check_recipients(to: list[str], cc: list[str], bcc: list[str], cfg: Email) -> None:
    total = len(to) + len(cc) + len(bcc)
    if total == 0:
        raise ValidationError({"to": ["At least one recipient is required."]})
    if total > cfg.max_recipients:
        raise ValidationError({"to": [f"At most {cfg.max_recipients} recipients (to, cc and bcc together)."]})


def _as_attachment(item: Any, index: int) -> Attachment:
    field = f"attachments[{index}]"
    if isinstance(item, Attachment):
        return item
    if isinstance(item, (tuple, list)) and len(item) in (2, 3):
        filename, content, *rest = item
        return Attachment(str(filename), content, str(rest[0]) if rest else "")
    if isinstance(item, Mapping):
        content = item.get("content")
        if content is None and "content_base64" in item:
            encoded = item.get("content_base64")
            if not isinstance(encoded, str):
                raise ValidationError({field: ["content_base64 must be a base64 string."]})
            try:
                content = base64.b64decode(encoded.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raise ValidationError({field: ["content_base64 is not valid base64."]}) from None
        if isinstance(content, str):
            content = content.encode("utf-8")
        if not isinstance(content, (bytes, bytearray)):
            raise ValidationError({field: ["Attachment content is missing."]})
        return Attachment(str(item.get("filename") or ""), bytes(content), str(item.get("content_type") or ""))
    raise ValidationError({field: ["Must be an object with filename, content_type and content_base64."]})


def _check_attachments(items: Iterable[Any], cfg: Email) -> list[Attachment]:
    attachments = [_as_attachment(item, i) for i, item in enumerate(items or ())]
    if len(attachments) > cfg.max_attachments:
        raise ValidationError({"attachments": [f"At most {cfg.max_attachments} attachments."]})
    total = 0
    allowed = [str(pattern).lower() for pattern in cfg.allowed_attachment_types]
    blocked = {str(ext).lower() for ext in cfg.blocked_attachment_extensions}
    for index, att in enumerate(attachments):
        field = f"attachments[{index}]"
        name = att.filename.strip()
        if not name or len(name) > 255 or any(ch in name for ch in '/\\\r\n\0') or name in (".", ".."):
            raise ValidationError({field: ["filename must be a plain file name (no path, at most 255 characters)."]})
        if any(name.lower().endswith(ext) for ext in blocked):
            raise ValidationError({field: [f"Files like {name!r} are not allowed as attachments."]})
        content_type = (att.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream").lower()
        if not _CONTENT_TYPE_RE.match(content_type):
            raise ValidationError({field: [f"content_type {att.content_type!r} is not a media type."]})
        if not any(fnmatch.fnmatchcase(content_type, pattern) for pattern in allowed):
            raise ValidationError({field: [f"content_type {content_type!r} is not allowed."]})
        if len(att.content) > cfg.max_attachment_bytes:
            raise ValidationError({field: [f"Larger than {cfg.max_attachment_bytes} bytes."]})
        total += len(att.content)
        att.filename, att.content_type = name, content_type
    if total > cfg.max_total_attachment_bytes:
        raise ValidationError({"attachments": [f"Together larger than {cfg.max_total_attachment_bytes} bytes."]})
    return attachments


def resolve_template(template: Any):
    """A Template instance from an instance, an id, or a title (e-mail templates only)."""
    model = django_apps.get_model("templates", "Template")
    if isinstance(template, model):
        found = template
    elif isinstance(template, int) or (isinstance(template, str) and template.strip().isdigit()):
        found = model.objects.filter(pk=int(template)).first()
    elif isinstance(template, str) and template.strip():
        candidates = model.objects.filter(type="email", title__iexact=template.strip())
        found = candidates.order_by("id").first()
    else:
        found = None
    if found is None:
        raise ValidationError({"template_id": [f"E-mail template {template!r} does not exist."]})
    if found.type != "email":
        raise ValidationError({"template_id": [f"Template {found.pk} is a {found.type} template, not an e-mail one."]})
    return found


# --- context --------------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def event_context(event: Any) -> dict[str, Any]:
    """An Event as plain placeholder data (never the model object itself)."""
    return {
        "id": event.pk,
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "calendar_id": event.calendar_id,
        "start_time": _iso(event.start_time),
        "end_time": _iso(event.end_time),
        "start_date": _iso(event.start_date),
        "end_date": _iso(event.end_date),
        "all_day": event.all_day,
        "timezone": event.timezone,
        "priority": event.priority,
        "event_type": event.event_type,
        "status": event.status,
        "transparency": getattr(event, "transparency", "opaque"),
        "tags": list(event.tags or []),
        "attendees": list(event.attendees or []),
        "external_id": event.external_id,
        "source": "calendar" if event.external_id else "api",
    }


def calendar_context(calendar: Any) -> dict[str, Any]:
    return {"id": calendar.pk, "name": calendar.name, "timezone": calendar.timezone}


def base_context(now=None) -> dict[str, Any]:
    now = now or timezone.now()
    return {"now": now.isoformat(), "today": timezone.localdate(now).isoformat()}


# --- the service ----------------------------------------------------------------------------


def _render(template: Any, context: dict[str, Any]) -> dict[str, str]:
    try:
        return render_template(template, context)
    except TemplateRenderError as exc:
        raise ValidationError({"context": [str(exc)]}) from None


def _render_raw(subject: str | None, html: str | None, text: str | None, context: dict[str, Any]) -> dict[str, str]:
    from apps.templates.rendering import allowed_keys, html_to_text, readable_dates

    allowed = allowed_keys("email")
    context = readable_dates(context)
    try:
        # Raw bodies may still use placeholders (same whitelist as an e-mail template).
        out = {
            "subject": " ".join(render_text(subject or "", context, allowed=allowed).split()),
            "html": render_html(html or "", context, allowed=allowed) if html else "",
            "text": render_text(text or "", context, allowed=allowed) if text else "",
        }
    except TemplateRenderError as exc:
        raise ValidationError({"context": [str(exc)]}) from None
    if not out["text"].strip() and out["html"].strip():
        out["text"] = html_to_text(out["html"])
    return out


def send_email(
    *,
    to: Iterable[str] | str = (),
    cc: Iterable[str] | str = (),
    bcc: Iterable[str] | str = (),
    subject: str | None = None,
    html: str | None = None,
    text: str | None = None,
    template: Any = None,
    context: Mapping[str, Any] | None = None,
    reply_to: Iterable[str] | str | None = None,
    priority: str = "normal",
    attachments: Iterable[Any] = (),
    from_name: str | None = None,
    command_id: int | None = None,
    event_id: int | None = None,
) -> EmailMessageLog:
    """Queue one e-mail (rendered now, sent by the worker). Raises ``ValidationError`` on bad input."""
    cfg = current().email
    to_list = _address_list(list(to) if not isinstance(to, str) else to, "to")
    cc_list = _address_list(list(cc) if not isinstance(cc, str) else cc, "cc")
    bcc_list = _address_list(list(bcc) if not isinstance(bcc, str) else bcc, "bcc")
    reply_list = _address_list(reply_to if isinstance(reply_to, str) or reply_to is None else list(reply_to), "reply_to")
    _check_recipients(to_list, cc_list, bcc_list, cfg)
    if priority not in PRIORITIES:
        raise ValidationError({"priority": [f"Must be one of {', '.join(PRIORITIES)}."]})
    if context is not None and not isinstance(context, dict):
        raise ValidationError({"context": ["Must be an object."]})
    files = _check_attachments(attachments, cfg)

    full_context: dict[str, Any] = {**base_context(), "recipient": {"email": (to_list or cc_list or bcc_list)[0], "name": ""}}
    full_context.update(context or {})

    template_obj = None
    if template is not None:
        template_obj = resolve_template(template)
        rendered = _render(template_obj, full_context)
        if subject:
            rendered["subject"] = _render_raw(subject, None, None, full_context)["subject"]
    else:
        if not (subject or "").strip():
            raise ValidationError({"subject": ["A subject is required without a template."]})
        if not (html or "").strip() and not (text or "").strip():
            raise ValidationError({"html": ["An html or text body is required without a template."]})
        rendered = _render_raw(subject, html, text, full_context)
    if not rendered["subject"]:
        raise ValidationError({"subject": ["The subject renders empty."]})
    if len(rendered["subject"]) > 998:
        raise ValidationError({"subject": ["The subject is longer than 998 characters."]})

    configured_name, from_address = sender(cfg)
    name = configured_name if from_name is None else from_name
    name = " ".join(str(name or "").split())[:200]
    with transaction.atomic():
        log = EmailMessageLog.objects.create(
            to=to_list,
            cc=cc_list,
            bcc=bcc_list,
            reply_to=reply_list,
            from_email=from_address,
            from_name=name,
            subject=rendered["subject"],
            body_html=rendered["html"],
            body_text=rendered["text"],
            priority=priority,
            template_id=template_obj.pk if template_obj is not None else None,
            template_name=(template_obj.title[:200] if template_obj is not None else ""),
            command_id=command_id,
            event_id=event_id,
            # Fixed now, so every retry sends the same id and receivers can drop duplicates.
            message_id=make_msgid(idstring="chronos", domain=message_id_domain(cfg)),
        )
        if files:
            EmailAttachment.objects.bulk_create(
                [
                    EmailAttachment(
                        email=log,
                        position=index,
                        filename=att.filename,
                        content_type=att.content_type,
                        size=len(att.content),
                        sha256=hashlib.sha256(att.content).hexdigest(),
                        content=att.content,
                    )
                    for index, att in enumerate(files)
                ]
            )
        message = outbox.enqueue(
            transport="email", event_type="email.send", payload={"email_id": log.pk}, dedupe_key=f"email:{log.pk}"
        )
        EmailMessageLog.objects.filter(pk=log.pk).update(outbox_message_id=message.pk)
        log.outbox_message_id = message.pk
    return log


def send_template_to_attendees(*, event: Any, template: Any, context: Mapping[str, Any] | None = None) -> list[EmailMessageLog]:
    """One e-mail per attendee of ``event`` (each sees only their own address), the event as context."""
    attendees = _address_list(list(event.attendees or []), "attendees")
    if not attendees:
        raise ValidationError({"attendees": ["The event has no attendees to write to."]})
    template_obj = resolve_template(template)
    shared = {"event": event_context(event), "calendar": calendar_context(event.calendar), **dict(context or {})}
    logs = []
    with transaction.atomic():
        for address in attendees:
            logs.append(
                send_email(
                    to=[address],
                    template=template_obj,
                    context={**shared, "recipient": {"email": address, "name": ""}},
                    event_id=event.pk,
                )
            )
    return logs


def email_data(log: EmailMessageLog) -> dict[str, Any]:
    """The log row as plain data (API answer and domain events)."""
    return {
        "id": log.pk,
        "status": log.status,
        "message_id": log.message_id,
        "error": log.error,
        "attempts": log.attempts,
        "to": log.to,
        "cc": log.cc,
        "bcc": log.bcc,
        "reply_to": log.reply_to,
        "subject": log.subject,
        "priority": log.priority,
        "template_id": log.template_id,
        "template_name": log.template_name,
        "command_id": log.command_id,
        "event_id": log.event_id,
        "created_at": _iso(log.created_at),
        "sent_at": _iso(log.sent_at),
        "failed_at": _iso(log.failed_at),
    }


def config_errors(cfg: Email | None = None) -> list[str]:
    """Problems in the ``email:`` section beyond types and ranges (checked in chronos.config)."""
    cfg = cfg or current().email
    errors = []
    if cfg.backend != "smtp":
        from django.utils.module_loading import import_string

        try:
            import_string(cfg.backend)
        except ImportError as exc:
            errors.append(f"email.backend: cannot import {cfg.backend!r}: {exc}")
    try:
        sender(cfg)
    except SenderError as exc:
        errors.append(f"email.from: {exc}")
    return errors
