"""The one rule for "does this event block time?".

An event blocks time when it is timed (not all-day), not cancelled, shown as busy
(``transparency == "opaque"``) and has a positive length. Events marked "show as free" and
invitations the calendar's owner declined are stored as ``transparent``: they are shown, but
conflicts, auto-plan suggestions, availability/free-busy and analytics' busy time ignore them,
as Google's freeBusy does.

Every reader takes the rule from here, in the form it needs:

- :data:`BLOCKING` for ORM querysets;
- :func:`blocking_sql` for the hand-written statements of the conflict probe and the
  availability sweep (its terms are those of the covering indexes, so SQLite keeps using them);
- :func:`blocks` / :func:`blocks_time` for objects already in memory.

The length condition (``end > start``) is left to each reader: the statements compare times in
whatever representation they read them.
"""

from __future__ import annotations

from django.db.models import Q

from apps.events.models import Event

OPAQUE = Event.Transparency.OPAQUE.value
TRANSPARENT = Event.Transparency.TRANSPARENT.value
CANCELLED = Event.Status.CANCELLED.value

#: Events that block time (the length condition aside).
BLOCKING = Q(all_day=False, transparency=OPAQUE) & ~Q(status=CANCELLED)


def blocking_sql(alias: str = "") -> tuple[str, list]:
    """``(sql, params)``: the rule as a WHERE fragment over the events table (``alias.`` prefixed).

    ``NOT all_day`` is written as the condition of the partial indexes so SQLite can use them;
    ``status`` and ``transparency`` are columns of those indexes, so checking them reads no row.
    """
    p = f"{alias}." if alias else ""
    return f"NOT {p}all_day AND {p}status <> %s AND {p}transparency = %s", [CANCELLED, OPAQUE]


def blocks_time(*, all_day: bool, status: str, transparency: str) -> bool:
    """The rule on plain values (the length condition aside)."""
    return not all_day and status != CANCELLED and transparency == OPAQUE


def blocks(event) -> bool:
    """Whether an event (a model, a list row or anything with the same attributes) blocks time."""
    return (
        blocks_time(all_day=event.all_day, status=event.status, transparency=event.transparency)
        and event.start_time is not None
        and event.end_time is not None
        and event.end_time > event.start_time
    )


def stored_transparency(value) -> str:
    """What is stored for a value an entry came in with: a plugin may have set anything, and
    anything but ``transparent`` blocks time, as an event without the field always did."""
    return TRANSPARENT if value == TRANSPARENT else OPAQUE


def transparency_for(*, transparent: bool = False, declined: bool = False) -> str:
    """What a synced entry is stored as: shown as free, or declined by the owner, is transparent."""
    return TRANSPARENT if transparent or declined else OPAQUE
