"""``manage.py whitelist export [FILE] [--format yaml|json]`` / ``whitelist import FILE [--replace]``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.audit.actor import acting_as
from apps.whitelists.transfer import FORMATS, ImportRejected, export_document, import_document


class Command(BaseCommand):
    help = "Export or import the command whitelist as YAML or JSON (import is all-or-nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the whitelist to FILE (or stdout)")
        export.add_argument("file", nargs="?", default="-")
        export.add_argument("--format", choices=FORMATS, default=None, help="default: from the file name, else yaml")
        imp = sub.add_parser("import", help="validate FILE completely, then write it")
        imp.add_argument("file")
        imp.add_argument("--format", choices=FORMATS, default=None)
        imp.add_argument("--replace", action="store_true", help="also delete entries missing from FILE")

    def handle(self, *args, action: str, file: str, format: str | None = None, replace: bool = False, **options):
        suffix_fmt = "json" if file.endswith(".json") else "yaml" if file.endswith((".yaml", ".yml")) else None
        fmt = format or suffix_fmt  # None on import: guessed from the content
        if action == "export":
            text = export_document(fmt or "yaml")
            if file == "-":
                self.stdout.write(text, ending="")
            else:
                Path(file).write_text(text, encoding="utf-8")
                self.stdout.write(f"wrote {file}")
            return
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            with acting_as("cli:whitelist-import"):
                summary = import_document(text, fmt=fmt, replace=replace)
        except ImportRejected as exc:
            for problem in exc.errors:
                self.stderr.write(problem)
            raise CommandError(f"import rejected ({len(exc.errors)} problem(s)); nothing was changed") from None
        counts = summary.as_dict()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
