"""``manage.py rebuild_occurrences``: rewrite every series' stored occurrences from its rule."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rewrite the stored occurrences of every recurring series (apps.events.occurrences)."

    def handle(self, *args, **options) -> None:
        from apps.events.occurrences import rebuild_occurrences

        series, rows = rebuild_occurrences()
        self.stdout.write(f"{series} series, {rows} occurrences stored.")
