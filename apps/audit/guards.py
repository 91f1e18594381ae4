"""Database-level guards that make the audit table append-only.

SQLite: BEFORE UPDATE/DELETE triggers that abort. PostgreSQL: a trigger function that raises.
``CREATE ... IF NOT EXISTS`` / ``CREATE OR REPLACE`` make them safe to re-run after every migrate,
which matters because SQLite table rebuilds silently drop triggers.
"""

from __future__ import annotations

from django.db import connection as default_connection

TABLE = "audit_auditentry"
MESSAGE = "audit log is append-only"

SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]

PG_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;",
    f"DROP TRIGGER IF EXISTS audit_no_update_delete ON {TABLE};",
    f"CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();",
]
PG_DROP = [f"DROP TRIGGER IF EXISTS audit_no_update_delete ON {TABLE};"]


def _statements(connection, create: bool) -> list[str]:
    if connection.vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    if connection.vendor == "postgresql":
        return PG_CREATE if create else PG_DROP
    return []


def ensure(connection=None) -> None:
    connection = connection or default_connection
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for sql in _statements(connection, create=True):
            cursor.execute(sql)


def drop(connection=None) -> None:
    """Remove the guards. Only for test teardown that must flush every table."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        for sql in _statements(connection, create=False):
            cursor.execute(sql)


def installed(connection=None) -> set[str]:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=%s", [TABLE])
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
            )
        return {row[0] for row in cursor.fetchall()}


def ensure_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if sender.label != "audit":
        return
    ensure(connections[using])
