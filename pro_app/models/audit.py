"""The audit trail: append-only, hash-chained.

Append-only is enforced by the database itself (triggers that abort UPDATE and DELETE, created with the
table and by the migration), not by the app's good manners. Each row carries `prev_hash` and
`hash = sha256(prev_hash || canonical row)`, so `flask audit verify` names a row changed behind our back.
"""
import hashlib
import json
from datetime import datetime

from sqlalchemy import DDL, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

CHAINED_FIELDS = (
    "at", "actor_type", "actor_id", "actor", "role", "action", "entity", "entity_id", "patient_id",
    "field", "old_value", "new_value", "reason", "request_id", "ip",
)


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(10))  # staff | patient | api | system
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(254), index=True)  # staff e-mail, patient study id, "cli:<user>"
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    field: Mapped[str | None] = mapped_column(String(400))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def canonical(self) -> str:
        values = {}
        for name in CHAINED_FIELDS:
            value = getattr(self, name)
            values[name] = value.isoformat() if isinstance(value, datetime) else value
        return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical()).encode()).hexdigest()


# Append-only, enforced by the database for every connection, the app's own included.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
_POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]
APPEND_ONLY_DDL = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRES_TRIGGERS}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
