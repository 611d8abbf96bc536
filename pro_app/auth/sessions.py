"""Server-side sessions that the server can end (ASVS 7.4, SECURITY.md G-SESS-1/2).

The signed cookie holds a random session id and the time it was last used. The database holds the id's
hash, when the session started and whether it has ended. So:
- logout (or an admin disabling the user) ends the row: a replayed cookie saved earlier is refused;
- the absolute limit is measured from the row's `created_at`;
- the idle limit is measured from the cookie's `seen` time, which only the server can sign. An older copy
  of the cookie carries an older `seen`, so replaying it after the idle limit fails too. This needs no
  database write per request.
"""
import time
from datetime import timedelta

from flask import current_app, session
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ServerSession, User
from ..models.types import utcnow
from ..security import digest, new_token

STAFF_KEY = "sid"
PATIENT_KEY = "psid"


def start(kind: str, **links) -> ServerSession:
    """Create a session row and put its id in the cookie. The caller commits."""
    raw = new_token()
    row = ServerSession(sid_hash=digest(raw), kind=kind, **links)
    db.session.add(row)
    key = STAFF_KEY if kind == "staff" else PATIENT_KEY
    session[key] = raw
    session[key + "_seen"] = int(time.time())
    session.permanent = True
    return row


def current(kind: str, idle_limit: int, absolute_limit: int | None = None, options=()) -> ServerSession | None:
    """The live session of this kind for this request, or None (and the cookie forgets it).

    `options` are loader options for what the caller reads next (one query instead of several)."""
    key = STAFF_KEY if kind == "staff" else PATIENT_KEY
    raw = session.get(key)
    if not raw:
        return None
    now = int(time.time())
    seen = session.get(key + "_seen", 0)
    row = db.session.scalar(select(ServerSession).options(*options).where(
        ServerSession.sid_hash == digest(raw), ServerSession.kind == kind, ServerSession.ended_at.is_(None)))
    expired = row is None or now - seen > idle_limit or (
        absolute_limit is not None and utcnow() - row.created_at > timedelta(seconds=absolute_limit))
    if expired:
        forget(kind)
        return None
    session[key + "_seen"] = now
    return row


def end(kind: str, reason: str) -> None:
    """End this browser's session of `kind` on the server and in the cookie. The caller commits."""
    key = STAFF_KEY if kind == "staff" else PATIENT_KEY
    raw = session.get(key)
    if raw:
        db.session.execute(update(ServerSession).where(
            ServerSession.sid_hash == digest(raw), ServerSession.ended_at.is_(None)
        ).values(ended_at=utcnow(), ended_reason=reason))
    forget(kind)


def end_all_for_user(user_id: int, reason: str) -> None:
    db.session.execute(update(ServerSession).where(
        ServerSession.user_id == user_id, ServerSession.ended_at.is_(None)
    ).values(ended_at=utcnow(), ended_reason=reason))


def forget(kind: str) -> None:
    key = STAFF_KEY if kind == "staff" else PATIENT_KEY
    session.pop(key, None)
    session.pop(key + "_seen", None)


def load_staff_user(_request=None) -> User | None:
    """Flask-Login request loader: the staff member behind this request's live session."""
    config = current_app.config
    row = current("staff", config["STAFF_IDLE_TIMEOUT"], config["STAFF_ABSOLUTE_TIMEOUT"],
                  options=(joinedload(ServerSession.user).joinedload(User.site),))
    if row is None or row.user is None or not row.user.active:
        return None
    return row.user
