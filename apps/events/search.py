"""Full-text search over title, description, location and tags: one :func:`search` for both DBs.

Query syntax is deliberately plain: the text is split on whitespace and every word must
match (AND), case- and accent-insensitively, as a whole word. Punctuation inside a word makes
it a phrase (``e-mail`` finds "e-mail" and "e mail"). Nothing in the input is an operator, so
``"``, ``%``, ``calendar:``, ``OR``, ``*`` or a NUL byte can neither error nor match everything;
input without any letter or digit matches nothing.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from apps.events import unmanaged

_WORD = re.compile(r"\w", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_TERMS = 16


def terms(text: str) -> list[str]:
    """The words of a query, without control characters; only those with a letter or digit."""
    cleaned = _CONTROL.sub(" ", text or "")
    words = [w for w in cleaned.split() if _WORD.search(w)]
    return words[:MAX_TERMS]


def fts5_query(words: list[str]) -> str:
    # Each word becomes a quoted FTS5 string ("" escapes a quote): never an operator or column filter.
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _time_key(moment: datetime, *, upper: bool) -> int:
    seconds = moment.timestamp()
    # The trigger truncates sub-seconds; round outward so the key range never cuts an event off.
    whole = math.ceil(seconds) + 1 if upper else math.floor(seconds) - 1
    return whole << unmanaged.ID_BITS


def fts_terms(text: str, *, start_from: datetime | None = None,
              start_before: datetime | None = None) -> tuple[str, int | None, int | None] | None:
    """SQLite: the FTS5 query and the time-key range of the index to read, or None (no word)."""
    words = terms(text)
    if not words:
        return None
    return (fts5_query(words), None if start_from is None else _time_key(start_from, upper=False),
            None if start_before is None else _time_key(start_before, upper=True))


def search_filter(text: str, *, start_from: datetime | None = None,
                  start_before: datetime | None = None) -> Q | None:
    """A filter on events keeping those that match ``text``, or None when nothing can match.

    ``start_from``/``start_before`` bound the *start time* of candidates (the caller's window
    already widened by the longest duration); on SQLite they turn into a range on the index's
    time key so only the window's part of the index is read. The conditions themselves are SQL
    the ORM has no lookup for: an FTS5 ``MATCH``, and on PostgreSQL the document expression the
    GIN index is built on (it must be written exactly as indexed to be used).
    """
    if connection.vendor == "sqlite":
        found = fts_terms(text, start_from=start_from, start_before=start_before)
        if found is None:
            return None
        match, low, high = found
        where = [f"{unmanaged.FTS} MATCH %s"]
        params: list = [match]
        if low is not None:
            where.append("rowid >= %s")
            params.append(low)
        if high is not None:
            where.append("rowid < %s")
            params.append(high)
        return Q(id__in=RawSQL(f"SELECT rowid & {unmanaged.ID_MASK} FROM {unmanaged.FTS} "
                               f"WHERE {' AND '.join(where)}", params))
    words = terms(text)
    if not words:
        return None
    return Q(RawSQL(f"{unmanaged.pg_document(unmanaged.EVENTS)} @@ plainto_tsquery('simple'::regconfig, %s)",
                    [" ".join(words)], output_field=BooleanField()))


def tag_filter(tag: str) -> Q:
    """A filter on events keeping those carrying ``tag`` (exact)."""
    if connection.vendor == "sqlite":
        # SQLite has no JSON ``contains`` lookup: EXISTS over json_each.
        return Q(RawSQL(f"EXISTS (SELECT 1 FROM json_each({unmanaged.EVENTS}.tags) AS t WHERE t.value = %s)",
                        [tag], output_field=BooleanField()))
    return Q(tags__contains=[tag])
