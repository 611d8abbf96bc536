"""The dispatcher behind `flask reminders send`: plan, claim, check again, send, record.

Safe to run from cron on several hosts at once:
- claiming is one statement that moves due `pending` rows to `sending` under a fresh claim id. On PostgreSQL
  the rows are picked with `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent dispatchers take disjoint
  batches without waiting; on SQLite the single writer lock (BEGIN IMMEDIATE) makes the conditional
  `UPDATE ... WHERE status = 'pending'` atomic. A row is sent only by the run that claimed it.
- right before sending, eligibility is decided again from fresh rows (`schedule.decide`). On PostgreSQL the
  visit row stays locked (FOR UPDATE) from that check until the outcome is committed, so a submission that
  races with the send waits for it, and one that committed first is seen (and the message cancelled).
- every attempt, whatever its outcome, adds a DeliveryAttempt row; transient failures are retried with
  exponential back-off up to DISPATCH_MAX_ATTEMPTS, then the message is marked failed (visible to
  coordinators), never dropped silently.
- a run that died between claim and outcome leaves rows in `sending`; after DISPATCH_LEASE seconds another
  run puts them back to `pending` (logged as `lease_expired`).
"""
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import DeliveryAttempt, Invitation, Message, Patient, Visit
from ..models.types import utcnow
from ..surveys import links
from . import bodies, schedule
from .channels import Outgoing, PermanentError, TransientError, make_channels

log = logging.getLogger(__name__)
PLAN_LOCK = 0x5C0A1  # PostgreSQL advisory lock id serialising message planning


@dataclass
class RunReport:
    planned: int = 0
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    reclaimed: int = 0
    lines: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"planned {self.planned}, claimed {self.claimed}, sent {self.sent}, deferred {self.deferred}, "
                f"cancelled {self.cancelled}, retry later {self.retried}, failed {self.failed}, "
                f"reclaimed {self.reclaimed}")


def cadence() -> schedule.Cadence:
    return schedule.Cadence.from_config(current_app.config)


# --- planning: Message rows for visits whose window is about to open -------------------------------------

def plan_visit(visit: Visit, now: datetime | None = None, rules: schedule.Cadence | None = None) -> int:
    """Create the invitation and reminder rows of a visit that has none yet; returns how many were added."""
    rules = rules or cadence()
    if visit.submitted_at is not None:
        return 0
    planned = schedule.plan(visit.window_open, visit.window_close, visit.patient.timezone, rules, now)
    for item in planned:
        db.session.add(Message(patient_id=visit.patient_id, visit_id=visit.id, kind=item.kind,
                               sequence=item.sequence, due_at=item.due_at, status="pending",
                               created_at=now or utcnow()))
    return len(planned)


def plan_due(now: datetime, horizon: timedelta = timedelta(days=2)) -> int:
    """Plan every unsubmitted, open (or soon opening) visit of a patient still in the study that has no
    messages yet. Idempotent: a visit with any message row is left alone (UNIQUE(visit, kind, sequence))."""
    rules = cadence()
    if db.engine.dialect.name == "postgresql":
        # Several dispatchers plan one after another (until commit); SQLite's BEGIN IMMEDIATE already does this.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLAN_LOCK})
    soon = (now + horizon).date()
    today = now.date() - timedelta(days=1)  # time zones: closes are re-checked exactly by schedule.plan
    visits = db.session.scalars(
        select(Visit).join(Patient).options(joinedload(Visit.patient))
        .where(Visit.submitted_at.is_(None), Visit.window_open <= soon, Visit.window_close >= today,
               Patient.withdrawn_at.is_(None),
               ~exists().where(Message.visit_id == Visit.id))
    ).all()
    count = sum(plan_visit(visit, now, rules) for visit in visits)
    db.session.flush()
    return count


def add_manual(visit: Visit, user_id: int | None, now: datetime) -> Message:
    """A coordinator's "send now": an invitation if none was sent for the visit yet, else a reminder."""
    highest = db.session.scalar(select(func.max(Message.sequence)).where(Message.visit_id == visit.id))
    sent_before = db.session.scalar(select(func.count(Message.id)).where(
        Message.visit_id == visit.id, Message.status == "sent"))
    message = Message(patient_id=visit.patient_id, visit_id=visit.id,
                      kind=schedule.REMINDER if sent_before else schedule.INVITATION,
                      sequence=max((highest or 0) + 1, schedule.MANUAL_SEQUENCE), due_at=now, status="pending",
                      created_at=now, created_by_id=user_id)
    db.session.add(message)
    db.session.flush()
    return message


def resume_paused(patient: Patient, now: datetime) -> int:
    """Reminders on again: messages a pause cancelled whose time has not passed are pending again."""
    return db.session.execute(
        update(Message).where(Message.patient_id == patient.id, Message.status == "cancelled",
                              Message.cancelled_reason == "paused", Message.due_at > now)
        .values(status="pending", cancelled_reason=None).execution_options(synchronize_session=False)
    ).rowcount


def cancel_pending(visit_id: int, reason: str) -> int:
    return db.session.execute(
        update(Message).where(Message.visit_id == visit_id, Message.status == "pending")
        .values(status="cancelled", cancelled_reason=reason).execution_options(synchronize_session=False)
    ).rowcount


# --- the dispatcher -------------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:60]


class Dispatcher:
    def __init__(self, channels: dict | None = None, now=utcnow, worker: str | None = None):
        config = current_app.config
        self.channels = channels if channels is not None else make_channels(config)
        self.now = now
        self.worker = worker or worker_name()
        self.rules = cadence()
        self.batch_size = int(config.get("DISPATCH_BATCH_SIZE", 50))
        self.max_attempts = int(config.get("DISPATCH_MAX_ATTEMPTS", 5))
        self.lease = timedelta(seconds=int(config.get("DISPATCH_LEASE", 900)))
        self.retry_base = timedelta(seconds=int(config.get("DISPATCH_RETRY_BASE", 300)))
        self.postgres = db.engine.dialect.name == "postgresql"

    # claim -----------------------------------------------------------------------------------------
    def claim(self, limit: int, message_id: int | None = None) -> list[int]:
        now = self.now()
        due = select(Message.id).where(
            Message.status == "pending", Message.due_at <= now,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        if message_id is not None:
            due = due.where(Message.id == message_id)
        due = due.order_by(Message.due_at, Message.id).limit(limit)
        if self.postgres:
            due = due.with_for_update(skip_locked=True)
        token = f"{self.worker}:{secrets.token_hex(6)}"
        # Two statements in one transaction: pick (and, on PostgreSQL, lock) the rows, then mark them ours.
        # (`UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` is not safe: PostgreSQL may
        # evaluate that subquery more than once and claim more than n rows.)
        picked = db.session.scalars(due).all()
        ids = []
        if picked:
            ids = db.session.scalars(
                update(Message).where(Message.id.in_(picked), Message.status == "pending")
                .values(status="sending", claimed_at=now, claimed_by=token)
                .returning(Message.id).execution_options(synchronize_session=False)
            ).all()
        db.session.commit()
        return sorted(ids)

    def reclaim_stale(self) -> int:
        now = self.now()
        stale = db.session.scalars(select(Message.id).where(
            Message.status == "sending", Message.claimed_at < now - self.lease)).all()
        for message_id in stale:
            won = db.session.execute(
                update(Message).where(Message.id == message_id, Message.status == "sending",
                                      Message.claimed_at < now - self.lease)
                .values(status="pending", claimed_by=None, claimed_at=None)
                .execution_options(synchronize_session=False)).rowcount
            if won:
                db.session.add(DeliveryAttempt(message_id=message_id, at=now, channel="none",
                                               outcome="lease_expired",
                                               error="claimed by a run that did not finish; queued again"))
        db.session.commit()
        return len(stale)

    # run -------------------------------------------------------------------------------------------
    def run(self, limit: int | None = None, dry_run: bool = False) -> RunReport:
        report = RunReport()
        if dry_run:
            return self.preview(report)
        try:
            report.planned = plan_due(self.now())
            db.session.commit()
            report.reclaimed = self.reclaim_stale()
            while limit is None or report.claimed < limit:
                size = self.batch_size if limit is None else min(self.batch_size, limit - report.claimed)
                batch = self.claim(size)
                if not batch:
                    break
                report.claimed += len(batch)
                for outcome in self.process_batch(batch):
                    self._count(report, outcome)
        except OperationalError:
            # SQLite busy past busy_timeout (another dispatcher holds the writer lock). Nothing is lost: what was
            # claimed and not sent goes back to pending after DISPATCH_LEASE; the next run carries on.
            db.session.rollback()
            log.warning("database busy; this dispatcher run stops early")
            report.lines.append("database busy (another dispatcher?); this run stopped early")
        finally:
            for channel in self.channels.values():
                channel.close()
        return report

    def send_one(self, message_id: int) -> str:
        """Claim and process one message now (the coordinator's button); returns its outcome."""
        if not self.claim(1, message_id):
            return "not_due"
        try:
            return self.process(message_id)
        finally:
            for channel in self.channels.values():
                channel.close()

    def preview(self, report: RunReport) -> RunReport:
        """--dry-run: what would happen now, without claiming, sending or saving anything."""
        now = self.now()
        try:
            report.planned = plan_due(now)
            due = db.session.scalars(select(Message).where(
                Message.status == "pending", Message.due_at <= now,
                or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
            ).order_by(Message.due_at, Message.id)).all()
            for message in due:
                decision = schedule.decide(self.facts(message, now), now, self.rules)
                report.claimed += 1
                self._count(report, decision.action)
                detail = decision.channel or ""
                if decision.until:
                    detail += f" until {decision.until:%Y-%m-%d %H:%M} UTC"
                report.lines.append(f"message {message.id} ({message.kind} {message.sequence}, visit "
                                    f"{message.visit_id}): {decision.action} {decision.reason} {detail}".rstrip())
        finally:
            db.session.rollback()
        return report

    @staticmethod
    def _count(report: RunReport, outcome: str) -> None:
        attribute = {"send": "sent", "sent": "sent", "defer": "deferred", "deferred": "deferred",
                     "cancel": "cancelled", "cancelled": "cancelled", "retry": "retried",
                     "failed": "failed"}.get(outcome)
        if attribute:
            setattr(report, attribute, getattr(report, attribute) + 1)

    # a batch of claimed messages -------------------------------------------------------------------
    def facts(self, message: Message, now: datetime, revoked: set[int] | None = None,
              sent_today: dict[int, int] | None = None) -> schedule.Facts:
        visit, patient = message.visit, message.patient
        if revoked is None:
            revoked = self._revoked([message])
        if sent_today is None:
            sent_today = self._sent_today([message], now)
        return schedule.Facts(
            kind=message.kind, window_open=visit.window_open, window_close=visit.window_close,
            timezone=patient.timezone, preferred_channel=patient.preferred_channel, email=patient.email,
            phone=patient.phone, email_opted_out=patient.email_opt_out_at is not None,
            sms_opted_out=patient.sms_opt_out_at is not None, submitted=visit.submitted_at is not None,
            withdrawn=patient.withdrawn_at is not None, paused=patient.reminders_paused,
            manual=message.created_by_id is not None, revoked_after_planning=message.id in revoked,
            sent_today=sent_today.get(patient.id, 0),
        )

    @staticmethod
    def _revoked(messages: list[Message]) -> set[int]:
        """Messages of which a link of the visit was revoked after the message was planned."""
        ids = [m.id for m in messages]
        return set(db.session.scalars(
            select(Message.id).join(Invitation, Invitation.visit_id == Message.visit_id)
            .where(Message.id.in_(ids), Invitation.revoked_at.is_not(None),
                   Invitation.revoked_at >= Message.created_at)))

    @staticmethod
    def _sent_today(messages: list[Message], now: datetime) -> dict[int, int]:
        """Messages sent to each patient since the start of the patient's local day (for the daily cap)."""
        counts: dict[int, int] = {}
        by_zone: dict[str, set[int]] = {}
        for message in messages:
            by_zone.setdefault(message.patient.timezone, set()).add(message.patient_id)
        for zone, patient_ids in by_zone.items():
            start, _ = schedule.local_day_bounds(now, zone)
            for patient_id, count in db.session.execute(
                    select(Message.patient_id, func.count(Message.id))
                    .where(Message.patient_id.in_(patient_ids), Message.status == "sent", Message.sent_at >= start)
                    .group_by(Message.patient_id)):
                counts[patient_id] = count
        return counts

    def process(self, message_id: int) -> str:
        return self.process_batch([message_id])[0]

    def process_batch(self, ids: list[int]) -> list[str]:
        """Check, link, send and record a claimed batch. Per batch: one transaction for the checks and the new
        links (on PostgreSQL it also locks the visits, FOR UPDATE, until the outcomes are committed), the sends,
        then one transaction for the outcomes, each guarded by our claim."""
        now = self.now()
        messages = db.session.scalars(
            select(Message).where(Message.id.in_(ids), Message.status == "sending")
            .options(joinedload(Message.visit), joinedload(Message.patient).joinedload(Patient.site))
            .order_by(Message.id).execution_options(populate_existing=True)).unique().all()
        found = {m.id: m for m in messages}
        if self.postgres and messages:
            # Lock the visits (in id order: no deadlock between dispatchers) and reload them: a submission that
            # committed before this point is seen; one that comes later waits for our outcome.
            db.session.scalars(select(Visit).where(Visit.id.in_({m.visit_id for m in messages}))
                               .order_by(Visit.id).with_for_update()
                               .execution_options(populate_existing=True)).all()
        revoked = self._revoked(messages) if messages else set()
        sent_today = self._sent_today(messages, now) if messages else {}
        planned = []  # (message, claim, decision, invitation, outgoing)
        outcomes: dict[int, str] = {}
        for message in messages:
            decision = schedule.decide(self.facts(message, now, revoked, sent_today), now, self.rules)
            if decision.action == schedule.SEND:
                sent_today[message.patient_id] = sent_today.get(message.patient_id, 0) + 1
                invitation, token = links.issue(message.visit)
                patient = message.patient
                subject, body = bodies.render(message.kind, decision.channel, patient.site.name,
                                              links.link_url(token), patient.language)
                address = patient.email if decision.channel == "email" else patient.phone
                planned.append((message, message.claimed_by, decision, invitation,
                                Outgoing(decision.channel, address, body, subject)))
            else:
                planned.append((message, message.claimed_by, decision, None, None))
        db.session.flush()
        if not self.postgres:
            db.session.commit()  # SQLite: do not hold the database's single write lock during the sends

        results = []  # (message_id, claim, attempt, values, outcome)
        for message_id, claim, decision, invitation, outgoing in [
                (m.id, c, d, i.id if i is not None else None, o) for m, c, d, i, o in planned]:
            message = found[message_id]
            if decision.action == schedule.CANCEL:
                results.append((message_id, claim, ("skipped", decision.channel or "none", None, decision.reason),
                                {"status": "cancelled", "cancelled_reason": decision.reason}, "cancelled"))
                continue
            if decision.action == schedule.DEFER:
                results.append((message_id, claim,
                                ("deferred", decision.channel, None,
                                 f"{decision.reason} until {decision.until:%Y-%m-%d %H:%M} UTC"),
                                {"status": "pending", "due_at": decision.until, "claimed_by": None,
                                 "claimed_at": None}, "deferred"))
                continue
            results.append(self._send(message_id, message.attempts, claim, decision.channel, invitation, outgoing,
                                      now))

        for message_id, _, _, _, outcome in results:
            outcomes[message_id] = outcome
        self._record_all(results, now)
        return [outcomes.get(message_id, "lost_claim") for message_id in ids]

    def _record_all(self, results, now, tries: int = 30) -> None:
        """Commit the outcomes of messages already handed to a channel. A busy database (SQLite's single writer
        lock held past busy_timeout by another dispatcher) is waited out, never given up on: an unrecorded send
        would be sent again after the lease."""
        for attempt in range(1, tries + 1):
            try:
                for message_id, claim, attempt_row, values, _ in results:
                    self._record(message_id, claim, now, attempt_row, **values)
                db.session.commit()
                return
            except OperationalError:
                db.session.rollback()
                if attempt == tries:
                    raise
                log.warning("database busy while recording %s outcomes; retrying", len(results))
                time.sleep(min(0.2 * attempt, 2.0))

    def _send(self, message_id, attempts_before, claim, channel, invitation_id, outgoing, now):
        attempts = attempts_before + 1
        try:
            provider_id = self.channels[channel].send(outgoing)
        except TransientError as error:
            common = {"attempts": attempts, "channel": channel, "last_error": str(error)[:300]}
            attempt = ("transient_error", channel, None, str(error))
            if attempts >= self.max_attempts:
                log.warning("message %s failed after %s attempts", message_id, attempts)
                return message_id, claim, attempt, {"status": "failed", **common}, "failed"
            retry_at = now + schedule.backoff(attempts, self.retry_base)
            return (message_id, claim, attempt, {"status": "pending", "next_attempt_at": retry_at,
                                                 "claimed_by": None, "claimed_at": None, **common}, "retry")
        except PermanentError as error:
            return (message_id, claim, ("permanent_error", channel, None, str(error)),
                    {"status": "failed", "attempts": attempts, "channel": channel, "last_error": str(error)[:300]},
                    "failed")
        return (message_id, claim, ("sent", channel, provider_id, None),
                {"status": "sent", "attempts": attempts, "channel": channel, "sent_at": self.now(),
                 "provider_id": provider_id, "invitation_id": invitation_id, "last_error": None}, "sent")

    def _record(self, message_id: int, claim: str, now: datetime, attempt, **values) -> None:
        """Record an outcome, but only while our claim still holds (a stale-claim reclaim wins otherwise)."""
        outcome, channel, provider_id, error = attempt
        won = db.session.execute(
            update(Message).where(Message.id == message_id, Message.status == "sending",
                                  Message.claimed_by == claim)
            .values(**values).execution_options(synchronize_session=False)
        ).rowcount
        if not won:
            error = f"(claim lost to another run) {error or ''}"
        db.session.add(DeliveryAttempt(message_id=message_id, at=now, channel=channel or "none", outcome=outcome,
                                       provider_id=provider_id, error=None if error is None else str(error)[:300]))
