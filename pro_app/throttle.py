"""Shared rate limits, counted in the database so that every gunicorn worker (and host) sees the same numbers.

Keys are hashed before storage: the table never holds an e-mail address or a survey token.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from .extensions import db
from .models import ThrottleEvent
from .models.types import utcnow
from .security import digest


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
