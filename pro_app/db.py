"""Database behaviour that the models cannot express: SQLite durability and write locking.

SQLite: WAL, synchronous=FULL (WAL+NORMAL can lose the last commits on power loss), foreign keys on, and
`BEGIN IMMEDIATE` for every transaction that may write, because a deferred transaction that reads and
then writes fails at once with SQLITE_BUSY when another worker wrote in between (SECURITY.md 6.1).
Only views marked `@readonly` start a deferred (shared) transaction.
PostgreSQL needs none of this: READ COMMITTED plus unique constraints and row locks.
"""
import sqlite3

from flask import g, has_app_context
from sqlalchemy import Engine, event, text

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    if connection.dialect.name != "sqlite":
        return
    readonly = has_app_context() and g.get("db_readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def durability_problems(engine) -> list[str]:
    """Settings that would put acknowledged answers at risk; empty when all is well (G-DATA-5)."""
    problems = []
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = connection.exec_driver_sql("PRAGMA synchronous").scalar()
            keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            if engine.url.database not in (None, "", ":memory:") and mode != "wal":
                problems.append(f"SQLite journal_mode is {mode}, expected wal")
            if sync < 2:
                problems.append(f"SQLite synchronous is {sync}, expected 2 (FULL) or 3 (EXTRA)")
            if keys != 1:
                problems.append("SQLite foreign_keys is off")
        elif engine.dialect.name == "postgresql":
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                value = connection.execute(text("SELECT current_setting(:name)"), {"name": setting}).scalar()
                if value != "on":
                    problems.append(f"PostgreSQL {setting} is {value}, expected on")
        connection.rollback()
    return problems


def require_durable(app) -> None:
    """Refuse to start on a database that could lose acknowledged answers (G-DATA-5); `REQUIRE_DURABLE_DB`."""
    from .extensions import db

    with app.app_context():
        problems = durability_problems(db.engine)
        db.engine.dispose()  # no connection is inherited by forked workers
    if problems:
        raise RuntimeError("Refusing to start: " + "; ".join(problems) + ". Fix the database settings "
                           "(or set PRO_REQUIRE_DURABLE_DB=false for a throwaway database).")
