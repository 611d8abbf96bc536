"""Dispatcher benchmark: N due invitations to a real SMTP server on loopback (aiosmtpd), first with one
dispatcher, then with two dispatcher processes racing over the same queue. Prints messages per second and the
number of duplicates (a recipient who got the same message twice; must be 0).

    python bench/bench_dispatch.py --messages 10000                 # throwaway SQLite file under bench/out/
    python bench/bench_dispatch.py --messages 10000 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

With --database the database must exist and be empty (it is migrated here). Each message goes through the
whole path: claim, the send-time eligibility check, a fresh survey link, the rendered body, SMTP, and the
delivery-log row.
"""
import argparse
import collections
import multiprocessing
import socket
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)  # 11:00 in London: outside quiet hours
WINDOW = (date(2026, 6, 1), date(2026, 6, 29))
BATCH = 5000


class Counter:
    """aiosmtpd handler that only counts, per recipient (a duplicate = the same address twice)."""

    def __init__(self):
        self.seen = collections.Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.seen[rcpt] += 1
        return "250 OK"


def start_sink():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler, port


def make_app(uri, port):
    from pro_app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "TESTING": True, "REQUIRE_DURABLE_DB": False,
        "BASE_URL": "https://pro.example", "MESSAGE_CHANNEL_EMAIL": "smtp", "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port, "MAIL_DEFAULT_SENDER": "Clinic <no-reply@clinic.example>", "DISPATCH_BATCH_SIZE": 50,
    })


def seed(count: int, tag: str) -> None:
    """`count` patients, each with one open visit and one due invitation (bulk inserts)."""
    from pro_app.extensions import db
    from pro_app.models import Message, Patient, Site, Visit

    site = db.session.scalar(select(Site).where(Site.code == "BENCH"))
    if site is None:
        site = Site(code="BENCH", name="Benchmark Clinic", timezone="Europe/London")
        db.session.add(site)
        db.session.flush()
    first_patient = (db.session.scalar(select(func.max(Patient.id))) or 0) + 1
    first_visit = (db.session.scalar(select(func.max(Visit.id))) or 0) + 1
    patients, visits, messages = [], [], []
    for n in range(count):
        pid, vid = first_patient + n, first_visit + n
        patients.append({"id": pid, "site_id": site.id, "study_id": f"{tag}-{n:06d}",
                         "email": f"{tag.lower()}-{n}@bench.example", "preferred_channel": "email", "language": "en",
                         "timezone": "Europe/London", "reminders_paused": False, "version": 1, "created_at": NOW})
        visits.append({"id": vid, "patient_id": pid, "code": "m3", "label": "Month 3", "position": 1,
                       "target_date": date(2026, 6, 15), "window_open": WINDOW[0], "window_close": WINDOW[1],
                       "instruments": "pt_global,haq,shaq", "is_baseline": False})
        messages.append({"patient_id": pid, "visit_id": vid, "kind": "invitation", "sequence": 0, "due_at": NOW,
                         "status": "pending", "attempts": 0, "created_at": NOW})
    for table, rows in ((Patient, patients), (Visit, visits), (Message, messages)):
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start:start + BATCH])
    if db.engine.dialect.name == "postgresql":
        for table in ("patient", "visit"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    db.session.commit()


def dispatch(uri, port, name, start_event, results):
    """One dispatcher process (as on its own host): its own app, engine and SMTP connection."""
    from pro_app.extensions import db
    from pro_app.messaging.dispatcher import Dispatcher

    app = make_app(uri, port)
    with app.app_context():
        db.engine.dispose()  # never share a connection inherited over fork
        start_event.wait()
        started = time.perf_counter()
        report = Dispatcher(now=lambda: NOW, worker=name).run()
        results.put((name, report.sent, time.perf_counter() - started))


def run(uri, port, dispatchers):
    context = multiprocessing.get_context("fork")
    start_event, results = context.Event(), context.Queue()
    processes = [context.Process(target=dispatch, args=(uri, port, f"bench-{n}", start_event, results))
                 for n in range(dispatchers)]
    for process in processes:
        process.start()
    time.sleep(1.0)  # let every process import and connect before the start signal
    started = time.perf_counter()
    start_event.set()
    outcome = [results.get() for _ in processes]
    wall = time.perf_counter() - started
    for process in processes:
        process.join()
    return wall, outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: a new SQLite file)")
    args = parser.parse_args()

    import flask_migrate

    from pro_app.extensions import db
    from pro_app.models import DeliveryAttempt, Message

    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    uri = args.database
    if not uri:
        path = out / "dispatch.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        uri = f"sqlite:///{path}"
    controller, sink, port = start_sink()
    app = make_app(uri, port)
    try:
        with app.app_context():
            flask_migrate.upgrade()
            print(f"database: {db.engine.dialect.name}; {args.messages} due invitations per round; "
                  f"SMTP server aiosmtpd on 127.0.0.1:{port}")
            for round_name, dispatchers in (("one dispatcher", 1), ("two dispatchers at once", 2)):
                seed(args.messages, "R1" if dispatchers == 1 else "R2")
                db.session.remove()
                db.engine.dispose()
                sink.seen.clear()
                wall, outcome = run(uri, port, dispatchers)
                sent = sum(n for _, n, _ in outcome)
                received = sum(sink.seen.values())
                duplicates = sum(n - 1 for n in sink.seen.values() if n > 1)
                db.session.rollback()
                logged_twice = db.session.scalar(select(func.count()).select_from(
                    select(DeliveryAttempt.message_id).where(DeliveryAttempt.outcome == "sent")
                    .group_by(DeliveryAttempt.message_id).having(func.count() > 1).subquery()))
                left = db.session.scalar(select(func.count(Message.id)).where(Message.status != "sent"))
                split = ", ".join(f"{name}: {n}" for name, n, _ in sorted(outcome))
                print(f"{round_name:24} {received:6} received in {wall:6.2f} s = {received / wall:7.0f} msg/s  "
                      f"duplicates {duplicates}  (sent per dispatcher: {split}; delivery log: "
                      f"{logged_twice} messages logged as sent twice; {left} not sent)")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
