"""``manage.py apikey create|list|rotate|revoke``."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.audit.actor import acting_as
from apps.core.admin import grace
from apps.core.models import ApiKey
from apps.core.scopes import validate_scopes


class Command(BaseCommand):
    help = "Create, list, rotate and revoke API keys. A new key is printed alone on the last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="comma-separated, e.g. events.read,events.write")
        create.add_argument("--expires", help="YYYY-MM-DD (UTC midnight) or an ISO datetime with offset")
        sub.add_parser("list", help="list keys")
        rotate = sub.add_parser("rotate", help="new secret; the old one works for the grace period")
        rotate.add_argument("id")
        revoke = sub.add_parser("revoke", help="revoke a key at once")
        revoke.add_argument("id")

    def handle(self, *args, action: str, **options):
        with acting_as("cli", "manage.py apikey"):
            getattr(self, f"do_{action}")(**options)

    def _get(self, ident: str) -> ApiKey:
        key = ApiKey.objects.filter(key_id=ident).first()
        if key is None and ident.isdigit():
            key = ApiKey.objects.filter(pk=int(ident)).first()
        if key is None:
            raise CommandError(f"no API key with id or key id {ident!r}")
        return key

    def do_create(self, *, name: str, scopes: str, expires: str | None, **_):
        try:
            scope_list = validate_scopes([s.strip() for s in scopes.split(",") if s.strip()])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        expires_at = None
        if expires:
            try:
                parsed = datetime.fromisoformat(expires)
            except ValueError:
                raise CommandError(f"--expires {expires!r} is not YYYY-MM-DD or an ISO datetime") from None
            if len(expires) == 10:
                parsed = datetime.combine(parsed.date(), time.min, tzinfo=UTC)
            elif parsed.tzinfo is None:
                raise CommandError("--expires needs an offset when it has a time (e.g. 2027-01-01T00:00:00Z)")
            if parsed <= timezone.now():
                raise CommandError("--expires is in the past")
            expires_at = parsed
        key, full = ApiKey.issue(name=name, scopes=scope_list, expires_at=expires_at, created_by="cli")
        self.stdout.write(f"Created key {key.pk} ({key.key_id}) '{name}' scopes={','.join(scope_list)}")
        self.stdout.write("Store it now; it is not shown again:")
        self.stdout.write(full)

    def do_list(self, **_):
        now = timezone.now()
        for key in ApiKey.objects.order_by("id"):
            state = "active" if key.is_active(now) else ("revoked" if key.revoked_at else "expired")
            self.stdout.write(
                f"{key.pk}\t{key.key_id}\t{key.name}\t{','.join(key.scopes)}\t{state}\t"
                f"expires={key.expires_at.isoformat() if key.expires_at else '-'}\t"
                f"last_used={key.last_used_at.isoformat() if key.last_used_at else '-'}"
            )

    def do_rotate(self, *, id: str, **_):
        key = self._get(id)
        if key.revoked_at:
            raise CommandError(f"key {key.key_id} is revoked; create a new one")
        full = key.rotate(grace=grace())
        self.stdout.write(f"Rotated key {key.pk} ({key.key_id}); the old secret works until {key.previous_valid_until.isoformat()}")
        self.stdout.write(full)

    def do_revoke(self, *, id: str, **_):
        key = self._get(id)
        if key.revoked_at:
            self.stdout.write(f"key {key.key_id} was already revoked at {key.revoked_at.isoformat()}")
            return
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        self.stdout.write(f"Revoked key {key.pk} ({key.key_id})")
