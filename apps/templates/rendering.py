"""Placeholder rendering for user-written templates (event, e-mail, webhook payload).

The only syntax is ``{{dotted.key}}``: a path into a context of *plain data* (dicts with string
keys, lists, strings, numbers, booleans, ``None``). There are no filters, tags, attribute lookups
or method calls, and the Django template language is never involved, so a template author cannot
reach settings, the database, files or any Python object: the renderer only ever sees the plain
dict it was handed and refuses anything else.

Escaping depends on the output:

- text (:func:`render_text`): the value as is (lists joined with ", ", dicts as JSON);
- HTML (:func:`render_html`): the same text, HTML-escaped, so ``<script>`` arrives inert;
- JSON (:func:`render_json`): always valid JSON whatever the values hold. A placeholder that is
  a whole JSON string (``"{{event.attendees}}"``) or stands bare in a value position
  (``{"n": {{event.attendee_count}}}``) becomes the JSON encoding of the value (so numbers stay
  numbers and lists become arrays); a placeholder inside a longer string (``"Hi {{user.name}}!"``)
  is inserted as JSON-string-escaped text.

Keys are whitelisted per template type (:func:`allowed_keys`) plus the template's declared
``variables``. :func:`validate_template` rejects unknown keys when a template is saved; at render
time a key with no value in the context raises :class:`TemplateRenderError` naming the key.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import html2text

from apps.core import jsonparse
from chronos.dotted import set_path

__all__ = [
    "TemplateRenderError",
    "allowed_keys",
    "available_placeholders",
    "html_to_text",
    "placeholders",
    "render_html",
    "render_json",
    "render_template",
    "render_text",
    "sample_context",
    "validate_template",
    "variable_names",
]

TEMPLATE_TYPES = ("event", "email", "webhook")

# A well-formed placeholder: identifiers / list indexes separated by dots, optional spaces inside.
_KEY = r"[A-Za-z][A-Za-z0-9_]*(?:\.(?:[A-Za-z][A-Za-z0-9_]*|[0-9]+))*"
PLACEHOLDER_RE = re.compile(r"\{\{\s*(" + _KEY + r")\s*\}\}")
# Anything that opens like a placeholder, used to report malformed ones instead of sending them.
_LOOSE_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_VARIABLE_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

MAX_CONTEXT_DEPTH = 20


class TemplateRenderError(ValueError):
    """A template cannot be rendered with this context; ``key`` names the placeholder at fault."""

    def __init__(self, message: str, *, key: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.field = field


# --- whitelist ------------------------------------------------------------------------------

_EVENT_FIELDS = (
    "id",
    "title",
    "description",
    "location",
    "calendar_id",
    "start_time",
    "end_time",
    "start_date",
    "end_date",
    "all_day",
    "timezone",
    "priority",
    "event_type",
    "status",
    "transparency",
    "tags",
    "attendees",
    "external_id",
    "source",
)
_COMMON = {
    *(f"event.{name}" for name in _EVENT_FIELDS),
    "event.tags.*",
    "event.attendees.*",
    "user.name",
    "user.email",
    "calendar.id",
    "calendar.name",
    "calendar.timezone",
    "now",
    "today",
}
_COMMAND = {
    "command.id",
    "command.command",
    "command.target_system",
    "command.status",
    "command.params.*",
    "command.result.*",
    "command.last_error",
    "command.source_event_id",
    "command.created_at",
}
_ALLOWED: dict[str, frozenset[str]] = {
    "event": frozenset(_COMMON),
    "email": frozenset({*_COMMON, *_COMMAND, "recipient.email", "recipient.name"}),
    # A webhook payload template sees the outbox envelope too: {"type", "timestamp", "data"}.
    "webhook": frozenset({*_COMMON, *_COMMAND, "type", "timestamp", "data.*"}),
}

# Which template fields hold placeholders, per type.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "event": ("title", "description"),
    "email": ("subject", "body_html", "body_text"),
    "webhook": ("body_json",),
}


def allowed_keys(template_type: str) -> set[str]:
    """The placeholder keys a template of ``template_type`` may use (``x.*`` = anything below x)."""
    try:
        return set(_ALLOWED[template_type])
    except KeyError:
        raise ValueError(f"unknown template type {template_type!r}") from None


def variable_names(variables: Any) -> list[str]:
    """Names declared in a template's ``variables``: ``["a", ...]``, ``[{"name": "a"}, ...]`` or ``{"a": ...}``."""
    if not variables:
        return []
    if isinstance(variables, Mapping):
        return [str(name) for name in variables]
    names = []
    for item in variables:
        if isinstance(item, Mapping):
            names.append(str(item.get("name", "")))
        else:
            names.append(str(item))
    return names


def _variables_errors(variables: Any) -> list[str]:
    if variables in (None, "", [], {}):
        return []
    if not isinstance(variables, (list, Mapping)):
        return ['Must be a list of names (or of {"name": ...} objects).']
    errors = []
    for name in variable_names(variables):
        if not _VARIABLE_NAME_RE.match(name):
            errors.append(f"Variable name {name!r} must start with a letter and hold only letters, digits and _.")
    return errors


def is_allowed(key: str, allowed: Iterable[str], variables: Iterable[str] = ()) -> bool:
    root = key.split(".", 1)[0]
    if root in set(variables):
        return True
    for pattern in allowed:
        if pattern.endswith(".*"):
            if key == pattern[:-2] or key.startswith(pattern[:-1]):
                return True
        elif key == pattern:
            return True
    return False


def available_placeholders(template_type: str, variables: Any = None) -> list[str]:
    """Sorted placeholders for an editor's help list (declared variables first)."""
    declared = [f"{{{{{name}}}}}" for name in variable_names(variables)]
    builtin = sorted(f"{{{{{key}}}}}" for key in allowed_keys(template_type))
    return [*declared, *builtin]


# --- parsing --------------------------------------------------------------------------------


def placeholders(source: str | None) -> set[str]:
    """The dotted keys used in ``source``."""
    return set(PLACEHOLDER_RE.findall(source or ""))


def _malformed(source: str) -> list[str]:
    bad = []
    for match in _LOOSE_RE.finditer(source):
        if not PLACEHOLDER_RE.fullmatch(match.group(0)):
            bad.append(match.group(0))
    return bad


# --- context --------------------------------------------------------------------------------


def check_plain(value: Any, path: str = "context", depth: int = 0) -> None:
    """Refuse anything but plain JSON-like data: no model instances, callables, dates or bytes."""
    if depth > MAX_CONTEXT_DEPTH:
        raise TemplateRenderError(f"{path}: nested deeper than {MAX_CONTEXT_DEPTH} levels")
    if value is None or isinstance(value, (str, bool, int, float)):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TemplateRenderError(f"{path}: keys must be strings, got {type(key).__name__}")
            check_plain(item, f"{path}.{key}", depth + 1)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_plain(item, f"{path}.{index}", depth + 1)
        return
    raise TemplateRenderError(f"{path}: {type(value).__name__} is not plain data (use str/number/bool/list/dict)")


_MISSING = object()


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    node: Any = context
    for part in key.split("."):
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit():
            index = int(part)
            node = node[index] if index < len(node) else _MISSING
        else:
            node = _MISSING
        if node is _MISSING:
            raise TemplateRenderError(f"No value for placeholder {{{{{key}}}}} in the context.", key=key)
    return node


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_as_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _prepare(context: Mapping[str, Any] | None) -> dict[str, Any]:
    context = {} if context is None else context
    if not isinstance(context, dict):
        raise TemplateRenderError(f"context: must be a dict, got {type(context).__name__}")
    check_plain(context)
    return context


def _check_allowed(source: str, allowed: Iterable[str] | None, variables: Iterable[str]) -> None:
    bad = _malformed(source)
    if bad:
        raise TemplateRenderError(f"Malformed placeholder {bad[0]!r}.")
    if allowed is None:
        return
    allowed = list(allowed)
    variables = list(variables)
    for key in sorted(placeholders(source)):
        if not is_allowed(key, allowed, variables):
            raise TemplateRenderError(f"Unknown placeholder {{{{{key}}}}}.", key=key)


# --- rendering ------------------------------------------------------------------------------


def _substitute(source, context, allowed, variables, show) -> str:
    """Check the keys, then replace each placeholder by ``show(value)``."""
    source = source or ""
    context = _prepare(context)
    _check_allowed(source, allowed, variables)
    return PLACEHOLDER_RE.sub(lambda m: show(_lookup(context, m.group(1))), source)


def render_text(
    source: str | None,
    context: Mapping[str, Any] | None,
    *,
    allowed: Iterable[str] | None = None,
    variables: Iterable[str] = (),
) -> str:
    """Fill placeholders with raw text. ``allowed`` (optional) restricts the keys."""
    return _substitute(source, context, allowed, variables, _as_text)


def render_html(
    source: str | None,
    context: Mapping[str, Any] | None,
    *,
    allowed: Iterable[str] | None = None,
    variables: Iterable[str] = (),
) -> str:
    """Fill placeholders HTML-escaped (quotes too, so values are safe inside attributes)."""
    return _substitute(source, context, allowed, variables, lambda value: html.escape(_as_text(value), quote=True))


def _json_substitute(source: str, value_for) -> str:
    """Walk ``source`` tracking JSON strings; substitute each placeholder by its JSON form."""
    out: list[str] = []
    i, n = 0, len(source)
    in_string = False
    string_start = -1  # index in ``out`` of the opening quote of the current string
    while i < n:
        ch = source[i]
        if ch == "{" and source.startswith("{{", i):
            match = PLACEHOLDER_RE.match(source, i)
            if match:
                value = value_for(match.group(1))
                end = match.end()
                if in_string:
                    whole = string_start == len(out) - 1 and end < n and source[end] == '"'
                    if whole:
                        # "{{x}}" -> the JSON value itself (drop the quotes around the placeholder).
                        out.pop()
                        out.append(json.dumps(value, ensure_ascii=False))
                        in_string = False
                        i = end + 1
                        continue
                    out.append(json.dumps(_as_text(value), ensure_ascii=False)[1:-1])
                else:
                    out.append(json.dumps(value, ensure_ascii=False))
                i = end
                continue
        if in_string:
            if ch == "\\" and i + 1 < n:
                out.append(source[i : i + 2])
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
            string_start = len(out) - 1
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def render_json(
    source: str | None,
    context: Mapping[str, Any] | None,
    *,
    allowed: Iterable[str] | None = None,
    variables: Iterable[str] = (),
) -> str:
    """Fill placeholders JSON-encoded; the result is checked to be valid JSON."""
    source = source or ""
    context = _prepare(context)
    _check_allowed(source, allowed, variables)
    rendered = _json_substitute(source, lambda key: _lookup(context, key))
    try:
        jsonparse.loads(rendered)
    except ValueError as exc:
        raise TemplateRenderError(f"The JSON body is not valid JSON: {exc}") from None
    return rendered


_HTML2TEXT_OPTIONS = {"body_width": 0, "ignore_links": False, "ignore_images": True, "unicode_snob": True}


def html_to_text(source: str) -> str:
    """Readable plain text from HTML, links kept as ``[text](url)``."""
    converter = html2text.HTML2Text()
    for name, value in _HTML2TEXT_OPTIONS.items():
        setattr(converter, name, value)
    return converter.handle(source or "").strip() + "\n"


def _field(template: Any, name: str, default: Any = "") -> Any:
    if isinstance(template, Mapping):
        return template.get(name, default)
    return getattr(template, name, default)


# --- dates as people read them (e-mail and event text) ---------------------------------------

# The context's date values, stored as ISO 8601 text; shown in text written for people.
_EVENT_DATES = ("start_time", "end_time", "start_date", "end_date")


def _parse_iso(value: Any) -> datetime | date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    except ValueError:
        return None


def _zone(name: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def readable_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def readable_time(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    return f"{readable_day(local.date())}, {local:%H:%M} {zone.key}"


def readable_dates(context: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``context`` whose dates read as people read them, in the event's zone.

    ``2025-03-03T09:00:00+00:00`` of a Berlin event becomes ``Mon 3 Mar 2025, 10:00
    Europe/Berlin``; a date becomes ``Mon 3 Mar 2025``. An all-day event's end (stored
    exclusive) is shown as its last day, and a timed event's ``start_date``/``end_date`` are its
    local days, so ``{{event.start_date}}`` always has a value. Webhook bodies keep ISO 8601.
    """
    out = dict(context)
    event = out.get("event")
    calendar = out.get("calendar") if isinstance(out.get("calendar"), dict) else {}
    zone = None
    if isinstance(event, dict):
        zone = _zone(event.get("timezone")) or _zone(calendar.get("timezone"))
    zone = zone or _zone(calendar.get("timezone")) or ZoneInfo("UTC")
    if isinstance(event, dict):
        event = dict(event)
        parsed = {key: _parse_iso(event.get(key)) for key in _EVENT_DATES}
        all_day = bool(event.get("all_day"))
        for key, value in parsed.items():
            if isinstance(value, datetime):
                if all_day:
                    local = value.astimezone(zone).date() if value.tzinfo else value.date()
                    event[key] = readable_day(local - timedelta(days=1) if key == "end_time" else local)
                else:
                    event[key] = readable_time(value, zone)
            elif isinstance(value, date):
                last = key in ("end_date", "end_time") and all_day
                event[key] = readable_day(value - timedelta(days=1) if last else value)
        for day_key, time_key in (("start_date", "start_time"), ("end_date", "end_time")):
            moment = parsed[time_key]
            if not event.get(day_key) and isinstance(moment, datetime):
                event[day_key] = readable_day(moment.astimezone(zone).date() if moment.tzinfo else moment.date())
        out["event"] = event
    command = out.get("command")
    if isinstance(command, dict) and isinstance(_parse_iso(command.get("created_at")), datetime):
        out["command"] = {**command, "created_at": readable_time(_parse_iso(command["created_at"]), zone)}
    if isinstance(_parse_iso(out.get("now")), datetime):
        out["now"] = readable_time(_parse_iso(out["now"]), zone)
    if isinstance(_parse_iso(out.get("today")), date):
        out["today"] = readable_day(_parse_iso(out["today"]))
    return out


def render_template(template: Any, context: Mapping[str, Any] | None) -> dict[str, Any]:
    """Render a template (model instance or dict of its fields).

    email -> ``{"subject", "html", "text"}`` (text derived from the HTML when empty);
    webhook -> ``{"json"}`` (the exact body text); event -> ``{"title", "description"}``.
    E-mail and event text shows dates as people read them (:func:`readable_dates`).
    """
    template_type = _field(template, "type", "event") or "event"
    allowed = allowed_keys(template_type)
    variables = variable_names(_field(template, "variables", None))
    context = _prepare(context)
    if template_type != "webhook":
        context = readable_dates(context)

    def run(renderer, name: str) -> str:
        try:
            return renderer(_field(template, name, "") or "", context, allowed=allowed, variables=variables)
        except TemplateRenderError as exc:
            raise TemplateRenderError(f"{name}: {exc}", key=exc.key, field=name) from None

    if template_type == "email":
        # Header values cannot carry line breaks (header injection); a value with one becomes a space.
        subject = " ".join(run(render_text, "subject").split())
        body_html = run(render_html, "body_html")
        body_text = run(render_text, "body_text")
        if not body_text.strip() and body_html.strip():
            body_text = html_to_text(body_html)
        return {"subject": subject, "html": body_html, "text": body_text}
    if template_type == "webhook":
        return {"json": run(render_json, "body_json")}
    return {"title": run(render_text, "title"), "description": run(render_text, "description")}


# --- validation -----------------------------------------------------------------------------


def _sample_value(key: str) -> Any:
    return f"<{key}>"


def _unknown_message(key: str, template_type: str, allowed: Iterable[str], variables: Iterable[str]) -> str:
    """Name the unknown key and the nearest allowed one, not all forty of them."""
    known = sorted({name.removesuffix(".*") for name in allowed} | set(variables))
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
    hint = f" Did you mean {{{{{close[0]}}}}}?" if close else ""
    article = "an" if template_type[0] in "aeiou" else "a"
    return (f"Unknown placeholder {{{{{key}}}}}: not a placeholder of {article} {template_type} template nor a "
            f"declared variable.{hint}")


def validate_template(template_type: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors for a template about to be saved; empty means it is fine.

    ``fields`` holds the template's values (for a partial update: the stored values merged with
    the change). Checks malformed and unknown placeholders, declared variables, the fields an
    e-mail or webhook template needs, and that a webhook body renders to valid JSON.
    """
    errors: dict[str, list[str]] = {}
    if template_type not in _ALLOWED:
        return {"type": [f"Unknown template type {template_type!r}; use one of {', '.join(TEMPLATE_TYPES)}."]}

    variables_raw = fields.get("variables")
    variable_errors = _variables_errors(variables_raw)
    if variable_errors:
        errors["variables"] = variable_errors
    variables = variable_names(variables_raw) if not variable_errors else []
    allowed = allowed_keys(template_type)

    for name in TEXT_FIELDS[template_type]:
        source = fields.get(name) or ""
        if not isinstance(source, str):
            errors.setdefault(name, []).append("Must be text.")
            continue
        field_errors = [f"Malformed placeholder {bad!r}: use {{{{dotted.key}}}}." for bad in _malformed(source)]
        unknown = sorted(key for key in placeholders(source) if not is_allowed(key, allowed, variables))
        for key in unknown:
            field_errors.append(_unknown_message(key, template_type, allowed, variables))
        if field_errors:
            errors[name] = field_errors

    if template_type == "email":
        if not str(fields.get("subject") or "").strip():
            errors.setdefault("subject", []).append("An e-mail template needs a subject.")
        if not str(fields.get("body_html") or "").strip() and not str(fields.get("body_text") or "").strip():
            errors.setdefault("body_html", []).append("An e-mail template needs an HTML or a text body.")
    elif template_type == "webhook" and "body_json" not in errors:
        source = fields.get("body_json") or ""
        if not str(source).strip():
            errors["body_json"] = ["A webhook template needs a JSON body."]
        else:
            try:
                jsonparse.loads(_json_substitute(str(source), _sample_value))
            except ValueError as exc:
                errors["body_json"] = [f"Not valid JSON once placeholders are filled: {exc}"]
    return errors


# --- sample data (admin live preview) ---------------------------------------------------------


def sample_context(template_type: str = "email", variables: Any = None) -> dict[str, Any]:
    """Plain sample data covering every allowed key, for previews."""
    context: dict[str, Any] = {
        "event": {
            "id": 42,
            "title": "Quarterly review",
            "description": "Numbers, plans & questions.",
            "location": "Room 4",
            "calendar_id": "default",
            "start_time": "2025-03-03T09:00:00+00:00",
            "end_time": "2025-03-03T10:00:00+00:00",
            "start_date": "2025-03-03",
            "end_date": "2025-03-03",
            "all_day": False,
            "timezone": "Europe/Berlin",
            "priority": "HIGH",
            "event_type": "meeting",
            "status": "scheduled",
            "transparency": "opaque",
            "tags": ["work", "review"],
            "attendees": ["ada@example.com", "alan@example.com"],
            "external_id": "",
            "source": "api",
        },
        "user": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "calendar": {"id": "default", "name": "Default", "timezone": "Europe/Berlin"},
        "now": "2025-03-01T08:00:00+00:00",
        "today": "2025-03-01",
    }
    if template_type in ("email", "webhook"):
        context["command"] = {
            "id": 7,
            "command": "SEND_EMAIL",
            "target_system": "SMTP",
            "status": "PENDING",
            "params": {},
            "result": {},
            "last_error": "",
            "source_event_id": 42,
            "created_at": "2025-03-01T08:00:00+00:00",
        }
    if template_type == "email":
        context["recipient"] = {"email": "alan@example.com", "name": "Alan"}
    if template_type == "webhook":
        context.update(type="command.created", timestamp=1740816000, data={})
    for name in variable_names(variables):
        context.setdefault(name, f"<{name}>")
    return context


def preview_context(template: Any, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Sample data, overlaid with ``context``, with a visible stand-in for every other used key.

    Lets an author preview a template before real data exists; keys that are not allowed stay
    unresolved so the preview reports them like a real send would.
    """
    template_type = _field(template, "type", "event") or "event"
    variables = _field(template, "variables", None)
    merged = sample_context(template_type, variables)
    for key, value in dict(context or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    allowed = allowed_keys(template_type)
    names = variable_names(variables)
    for name in TEXT_FIELDS[template_type]:
        for key in placeholders(_field(template, name, "") or ""):
            if not is_allowed(key, allowed, names):
                continue
            try:
                _lookup(merged, key)
            except TemplateRenderError:
                if not any(part.isdigit() for part in key.split(".")):
                    set_path(merged, key, f"<{key}>", keep_existing=True)
    return merged
