"""Survey links: issue, look up and revoke. Shared by the coordinator pages, the reminders and the CLI.

A link is `/s/<token>`: 256 random bits, stored only as its SHA-256, valid until the end of the visit
window in the patient's time zone, revocable. Nothing here commits.
"""
from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import Invitation, Visit
from ..models.types import utcnow
from ..scheduling import window_closes_at
from ..security import digest, external_url, new_token


def issue(visit: Visit, created_by_id: int | None = None) -> tuple[Invitation, str]:
    """A new link for the visit; returns the row and the raw token (shown once, never stored)."""
    token = new_token()
    invitation = Invitation(
        visit=visit, token_hash=digest(token), created_by_id=created_by_id,
        expires_at=window_closes_at(visit.window_close, visit.patient.timezone),
    )
    db.session.add(invitation)
    return invitation, token


def link_url(token: str) -> str:
    return external_url("surveys.open_link", token=token)


def find(token: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))


def revoke_all(visit: Visit, revoked_by_id: int | None, now: datetime | None = None) -> int:
    """Revoke every live link of a visit; returns how many were live."""
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.visit_id == visit.id, Invitation.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_by_id=revoked_by_id)
    )
    return result.rowcount
