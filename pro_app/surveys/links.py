"""Survey links: issue, look up and revoke. Shared by the coordinator pages, the reminders and the CLI.

A link is `/s/<token>`: 256 random bits, stored only as its SHA-256, valid until the end of the visit
window in the patient's time zone, revocable. Nothing here commits.
"""
from datetime import datetime

from sqlalchemy import select, update

from ..extensions import db
from ..models import Invitation, Visit
from ..models.types import utcnow
from ..scheduling import window_closes_at, window_opens_at
from ..security import digest, external_url, new_token

# What a link is worth when it is opened (the survey's friendly page for each is in surveys/views.py).
OPEN, NOT_YET_OPEN, EXPIRED, REVOKED, SUBMITTED = "open", "not_yet_open", "expired", "revoked", "submitted"


class LinkRefused(Exception):
    """No link can be issued for this visit (already sent, window not open or closed); the message says why."""


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


def state(invitation: Invitation, now: datetime | None = None) -> str:
    """open | not_yet_open | expired | revoked | submitted. Revocation (or the patient's withdrawal) wins over
    expiry; a sent visit wins over both. Before the window opens (patient's time zone) nothing can be answered:
    answers given then would be stored and scored against the wrong time point."""
    now = now or utcnow()
    if invitation.visit.submitted_at is not None:
        return SUBMITTED
    if invitation.revoked_at is not None or invitation.visit.patient.withdrawn_at is not None:
        return REVOKED
    if now >= invitation.expires_at:
        return EXPIRED
    if now < window_opens_at(invitation.visit.window_open, invitation.visit.patient.timezone):
        return NOT_YET_OPEN
    return OPEN


def invite(visit: Visit, created_by_id: int | None = None, now: datetime | None = None) -> tuple[Invitation, str]:
    """Issue a link after checking that the patient can still use it (the CLI and the coordinator's button)."""
    now = now or utcnow()
    if visit.submitted_at is not None:
        raise LinkRefused(f"Visit {visit.code} was already sent on {visit.submitted_at:%Y-%m-%d}; no link issued.")
    closes = window_closes_at(visit.window_close, visit.patient.timezone)
    if now >= closes:
        raise LinkRefused(f"The window of visit {visit.code} closed on {visit.window_close:%Y-%m-%d}; "
                          "no link issued.")
    if now < window_opens_at(visit.window_open, visit.patient.timezone):
        raise LinkRefused(f"The window of visit {visit.code} opens on {visit.window_open:%Y-%m-%d}; "
                          "no link issued before then.")
    return issue(visit, created_by_id)
