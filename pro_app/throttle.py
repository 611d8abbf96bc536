"""Shared rate limits, counted in the database so that every gunicorn worker (and host) sees the same numbers.

Keys are hashed before storage: the table never holds an e-mail address or a survey token.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text

from .extensions import db
from .models import ThrottleEvent
from .models.types import utcnow
from .security import digest


def serialize(scope: str, key: str) -> None:
    """Make concurrent check-then-hit sequences for one key take turns until the transaction ends.

    SQLite needs nothing: every writing transaction holds the database's write lock from its first statement
    (`BEGIN IMMEDIATE`, see db.py). PostgreSQL takes a transaction-scoped advisory lock on the hashed key, so
    ten bad links sent at once from one address through several workers still count one at a time."""
    if db.session.get_bind().dialect.name == "postgresql":
        lock_id = int(digest(f"{scope}:{key}")[:15], 16)  # 60 bits: fits PostgreSQL's bigint
        db.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def count(scope: str, key: str, window: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.scalar(
        select(func.count(ThrottleEvent.id)).where(
            ThrottleEvent.scope == scope, ThrottleEvent.key == digest(key),
            ThrottleEvent.at > now - timedelta(seconds=window),
        )
    )


def hit(scope: str, key: str, now: datetime | None = None) -> None:
    db.session.add(ThrottleEvent(scope=scope, key=digest(key), at=now or utcnow()))


def clear(scope: str, key: str) -> None:
    db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.scope == scope, ThrottleEvent.key == digest(key)))


def purge(older_than: timedelta, now: datetime | None = None) -> int:
    """Housekeeping for `flask housekeeping`: counters older than any window are useless."""
    now = now or utcnow()
    result = db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.at < now - older_than))
    return result.rowcount
