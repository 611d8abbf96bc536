"""The one way to write the audit trail: `record(...)`, called once by every route that reads or changes PHI.

It adds a hash-chained AuditEvent to the current session and never commits: the view commits the change
and its audit row together, so there is never a change without its row (or a row without its change).
The actor comes from the request: a logged-in member of staff, a patient's survey session, an API token,
or the command line ("system").
"""
import getpass
import json
from datetime import datetime

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from .extensions import db
from .models import AuditEvent
from .models.types import utcnow

GENESIS = "0" * 64
_CHAIN_LOCK = 0x5C0AE  # PostgreSQL advisory lock id serialising the hash chain


def _to_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def current_actor() -> tuple[str, int | None, str, str]:
    """(actor_type, actor_id, label, role) for whoever is acting now."""
    if has_request_context():
        actor = g.get("actor")
        if actor:
            return actor
        if current_user and current_user.is_authenticated:
            return "staff", current_user.id, current_user.email, current_user.role
    actor = g.get("actor") if has_request_context() else None
    if actor:
        return actor
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return "system", None, f"cli:{user}", "system"


def _last_hash() -> str:
    session = db.session()
    pending = session.info.get("audit_last_hash")
    if pending:
        return pending
    if db.engine.dialect.name == "postgresql":
        # Serialise chain extension across workers until this transaction ends.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS


def record(action: str, entity: str, entity_id=None, *, patient_id: int | None = None,
           field: str | None = None, old=None, new=None, reason: str | None = None,
           changes: dict | None = None, at: datetime | None = None) -> AuditEvent:
    """Add one audit row. `changes` ({field: (old, new)}) records several fields in that one row."""
    if changes:
        field = ",".join(sorted(changes))
        old = {name: pair[0] for name, pair in changes.items()}
        new = {name: pair[1] for name, pair in changes.items()}
    actor_type, actor_id, label, role = current_actor()
    event = AuditEvent(
        at=at or utcnow(), actor_type=actor_type, actor_id=actor_id, actor=label, role=role,
        action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id),
        patient_id=patient_id, field=field, old_value=_to_text(old), new_value=_to_text(new),
        reason=reason,
        request_id=g.get("request_id") if has_request_context() else None,
        ip=request.remote_addr if has_request_context() else None,
        prev_hash=_last_hash(),
    )
    event.hash = event.compute_hash()
    db.session.add(event)
    db.session.info["audit_last_hash"] = event.hash
    return event


def verify_chain(session=None) -> tuple[int, list[tuple[int, str]]]:
    """Walk the chain in id order; return (rows checked, [(row id, problem), ...])."""
    session = session or db.session
    problems = []
    previous = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        count += 1
        if event.prev_hash != previous:
            problems.append((event.id, "prev_hash does not match the previous row (row removed or reordered)"))
        if event.compute_hash() != event.hash:
            problems.append((event.id, "content does not match its hash (row changed)"))
        previous = event.hash
    return count, problems


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_pending_hash(session):
    session.info.pop("audit_last_hash", None)
