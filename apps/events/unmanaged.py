"""Database objects the ORM does not manage: the full-text index, the data-version counter and
availability's covering index, each created or repaired by :func:`ensure`.

SQLite
  ``events_event_fts`` is an FTS5 *external-content* table over ``events_event_ftsrc``, a view
  of the events table. Its rowid is a *time key*, ``(unix start seconds << 30) | event id``,
  not the bare event id: the index is ordered by start time, so a search inside a window reads
  only the index entries of that window (``rowid BETWEEN``), whatever the table size. Event
  ids must stay below 2**30 for the key to be unique; a trigger refuses an insert beyond.
  Triggers keep it in sync on INSERT/UPDATE/DELETE.

  ``events_dataversion`` is a one-row counter bumped by triggers on every change of the events
  table and of its occurrence exceptions; cached ``total_count`` values are keyed on it, so a
  cached count is never stale.

PostgreSQL
  A GIN index on the same ``to_tsvector('simple', ...)`` expression that the search uses.

Migrations that rebuild ``events_event`` on SQLite silently drop its triggers, so
:func:`ensure` runs after every ``migrate`` (``post_migrate``), creates everything with
``IF NOT EXISTS`` and rebuilds the index when it or one of its triggers was missing.
"""

from __future__ import annotations

from django.db import connection as default_connection

EVENTS = "events_event"
FTS = "events_event_fts"
FTS_SOURCE = "events_event_ftsrc"
VERSION = "events_dataversion"
EXCEPTIONS = "events_eventexception"
ID_BITS = 30
ID_MASK = (1 << ID_BITS) - 1

_KEY_NEW = f"((CAST(strftime('%s', new.start_time) AS INTEGER) << {ID_BITS}) | new.id)"
_KEY_OLD = f"((CAST(strftime('%s', old.start_time) AS INTEGER) << {ID_BITS}) | old.id)"
_COLS = "title, description, location, tags"

SQLITE_TRIGGERS = {
    # The index key holds the id in ID_BITS bits: a larger id would silently share a key.
    "events_event_id_limit": (
        f"CREATE TRIGGER IF NOT EXISTS events_event_id_limit AFTER INSERT ON {EVENTS} "
        f"WHEN new.id > {ID_MASK} BEGIN "
        f"SELECT RAISE(ABORT, 'event id above {ID_MASK}: the SQLite search index holds ids in {ID_BITS} bits'); "
        "END;"
    ),
    "events_event_fts_ai": (
        f"CREATE TRIGGER IF NOT EXISTS events_event_fts_ai AFTER INSERT ON {EVENTS} BEGIN "
        f"INSERT INTO {FTS}(rowid, {_COLS}) VALUES ({_KEY_NEW}, new.title, new.description, new.location, new.tags); "
        "END;"
    ),
    "events_event_fts_ad": (
        f"CREATE TRIGGER IF NOT EXISTS events_event_fts_ad AFTER DELETE ON {EVENTS} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, {_COLS}) "
        f"VALUES ('delete', {_KEY_OLD}, old.title, old.description, old.location, old.tags); "
        "END;"
    ),
    "events_event_fts_au": (
        f"CREATE TRIGGER IF NOT EXISTS events_event_fts_au AFTER UPDATE OF title, description, location, tags, "
        f"start_time ON {EVENTS} BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, {_COLS}) "
        f"VALUES ('delete', {_KEY_OLD}, old.title, old.description, old.location, old.tags); "
        f"INSERT INTO {FTS}(rowid, {_COLS}) VALUES ({_KEY_NEW}, new.title, new.description, new.location, new.tags); "
        "END;"
    ),
    "events_version_ai": (
        f"CREATE TRIGGER IF NOT EXISTS events_version_ai AFTER INSERT ON {EVENTS} BEGIN "
        f"UPDATE {VERSION} SET version = version + 1 WHERE id = 1; END;"
    ),
    "events_version_au": (
        f"CREATE TRIGGER IF NOT EXISTS events_version_au AFTER UPDATE ON {EVENTS} BEGIN "
        f"UPDATE {VERSION} SET version = version + 1 WHERE id = 1; END;"
    ),
    "events_version_ad": (
        f"CREATE TRIGGER IF NOT EXISTS events_version_ad AFTER DELETE ON {EVENTS} BEGIN "
        f"UPDATE {VERSION} SET version = version + 1 WHERE id = 1; END;"
    ),
    # A changed or cancelled occurrence changes what windows, counts and conflicts show too.
    **{f"events_exception_version_{suffix}": (
        f"CREATE TRIGGER IF NOT EXISTS events_exception_version_{suffix} AFTER {op} ON {EXCEPTIONS} BEGIN "
        f"UPDATE {VERSION} SET version = version + 1 WHERE id = 1; END;"
    ) for suffix, op in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))},
}
FTS_TRIGGERS = ("events_event_fts_ai", "events_event_fts_ad", "events_event_fts_au")

# Availability's window read (apps.events.scheduling.availability) is answered from this index alone on
# SQLite. It is outside the model state (on PostgreSQL a long attendee list would overflow a
# B-tree entry), so a migration that rebuilds the events table would drop it: ensure() puts it
# back after every migrate.
BUSY_INDEX = "event_busy_cover_idx"
BUSY_INDEX_SQL = (
    f'CREATE INDEX IF NOT EXISTS "{BUSY_INDEX}" ON "{EVENTS}" '
    '("start_time", "end_time", "all_day", "status", "transparency", "calendar_id", "attendees") WHERE NOT "all_day"'
)

def pg_document(table: str = "") -> str:
    """The tsvector expression; the GIN index and the query must use the same one."""
    p = f"{table}." if table else ""
    return (
        f"to_tsvector('simple'::regconfig, coalesce({p}title, '') || ' ' || coalesce({p}description, '') || ' ' || "
        f"coalesce({p}location, '') || ' ' || coalesce({p}tags::text, ''))"
    )


PG_DOCUMENT = pg_document()
PG_INDEX = "events_event_search_gin"


def _sqlite_objects(cursor) -> tuple[set[str], set[str]]:
    cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')")
    rows = cursor.fetchall()
    return {n for t, n in rows if t in ("table", "view")}, {n for t, n in rows if t == "trigger"}


def ensure(connection=None) -> dict[str, bool]:
    """Create what is missing; returns what was (re)built."""
    connection = connection or default_connection
    if EVENTS not in connection.introspection.table_names():
        return {}
    if connection.vendor == "sqlite":
        return _ensure_sqlite(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {EVENTS} USING GIN (({PG_DOCUMENT}))")
    return {}


def _ensure_sqlite(connection) -> dict[str, bool]:
    with connection.cursor() as cursor:
        tables, triggers = _sqlite_objects(cursor)
        rebuild = FTS not in tables or any(name not in triggers for name in FTS_TRIGGERS)
        cursor.execute(
            f"CREATE VIEW IF NOT EXISTS {FTS_SOURCE} AS SELECT "
            f"((CAST(strftime('%s', start_time) AS INTEGER) << {ID_BITS}) | id) AS fts_key, {_COLS} FROM {EVENTS}"
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({_COLS}, content='{FTS_SOURCE}', "
            "content_rowid='fts_key', tokenize='unicode61 remove_diacritics 2')"
        )
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {VERSION} (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)")
        cursor.execute(f"INSERT OR IGNORE INTO {VERSION} (id, version) VALUES (1, 0)")
        for sql in SQLITE_TRIGGERS.values():
            if f" ON {EXCEPTIONS} " in sql and EXCEPTIONS not in tables:
                continue  # migrated only part of the way: the exceptions table comes later
            cursor.execute(sql)
        cursor.execute(BUSY_INDEX_SQL)
        if rebuild:
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    return {"fts_rebuilt": rebuild}


def installed(connection=None) -> set[str]:
    """Names of the search objects present (for tests and the health check)."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            tables, triggers = _sqlite_objects(cursor)
            return ({FTS, FTS_SOURCE, VERSION} & tables) | (set(SQLITE_TRIGGERS) & triggers)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [EVENTS])
        return {row[0] for row in cursor.fetchall()} & {PG_INDEX}


def expected() -> set[str]:
    if default_connection.vendor == "sqlite":
        return {FTS, FTS_SOURCE, VERSION, *SQLITE_TRIGGERS}
    return {PG_INDEX}


def data_version(connection=None) -> int | None:
    """The change counter of the events table (SQLite), or None where there is none."""
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {VERSION} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def ensure_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if sender.label != "events":
        return
    ensure(connections[using])
