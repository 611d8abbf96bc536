"""`flask reminders send` end to end against a real SMTP server (aiosmtpd) and an HTTP SMS gateway on
loopback: right person, right message, right local time; nothing after submission, revocation or STOP;
retries with back-off and a visible failure; exactly one send per message with two dispatchers at once."""
import threading
from datetime import date, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from pro_app.extensions import db
from pro_app.messaging.dispatcher import Dispatcher
from pro_app.models import DeliveryAttempt, Invitation, Message, Site, Visit
from pro_app.models.types import utcnow
from pro_app.surveys import links
from tests.conftest import TEST_DATABASE_URL, _empty_postgres
from tests.messaging_support import (add_patient, channel_config, self_signed_cert, SmtpSink, sms_gateway,  # noqa: F401
                                     smtp_sink, start_smtp, utc)
from tests.survey_support import answer

ANCHOR = date(2026, 6, 1)  # baseline window 2026-05-18 .. 2026-06-15 (Europe/London, BST = UTC+1)
OPEN_DAY_8AM_LONDON = utc(2026, 5, 18, 7)


@pytest.fixture
def app(make_app, smtp_sink, sms_gateway):  # noqa: F811  (this module's app talks to the loopback servers)
    app = make_app(**channel_config(smtp_sink, sms_gateway, DISPATCH_RETRY_BASE=60, DISPATCH_MAX_ATTEMPTS=3))
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    with app.app_context():
        g.db_readonly = True
        yield app


def dispatch(app, now, **options):
    db.session.commit()
    with app.app_context():
        report = Dispatcher(now=lambda: now, **options).run()
    db.session.commit()
    return report


def messages_of(patient):
    db.session.commit()
    return db.session.scalars(select(Message).where(Message.patient_id == patient.id)
                              .order_by(Message.visit_id, Message.sequence)).all()


def baseline(patient):
    return db.session.scalar(select(Visit).where(Visit.patient_id == patient.id, Visit.code == "baseline"))


def test_the_invitation_reaches_the_right_person_at_8_local_with_only_greeting_clinic_and_link(app, site,
                                                                                                smtp_sink):
    london = add_patient(site, ANCHOR, "LON-1", email="lon@example.org")
    new_york = add_patient(site, ANCHOR, "NYC-1", timezone="America/New_York", email="nyc@example.org")

    report = dispatch(app, OPEN_DAY_8AM_LONDON)  # 08:00 in London, 03:00 in New York

    assert [m["to"] for m in smtp_sink.messages] == [["lon@example.org"]]
    assert report.sent == 1 and report.claimed == 1  # New York's is planned for its own 08:00
    body = smtp_sink.messages[0]["body"]
    assert "Clinic A" in body and body.startswith("Hello,")
    token = smtp_sink.links()[0].rsplit("/", 1)[1]
    assert links.find(token).visit_id == baseline(london).id
    waiting = [m for m in messages_of(new_york) if m.kind == "invitation" and m.visit_id == baseline(new_york).id]
    assert waiting[0].status == "pending" and waiting[0].due_at == utc(2026, 5, 18, 12)  # 08:00 EDT

    dispatch(app, utc(2026, 5, 18, 12))

    assert [m["to"] for m in smtp_sink.messages] == [["lon@example.org"], ["nyc@example.org"]]


def test_reminders_follow_the_cadence_and_stop_at_the_window_close(app, site, smtp_sink):
    add_patient(site, ANCHOR, "LON-2")
    sent_at = []
    hour = OPEN_DAY_8AM_LONDON
    while hour < utc(2026, 6, 20):
        before = len(smtp_sink.messages)
        dispatch(app, hour)
        sent_at += [hour] * (len(smtp_sink.messages) - before)
        hour += timedelta(hours=6)  # 07:00, 13:00, 19:00, 01:00 UTC

    assert [(t.date(), t.hour) for t in sent_at] == [
        (date(2026, 5, 18), 7), (date(2026, 5, 20), 7), (date(2026, 5, 23), 7), (date(2026, 6, 14), 7)]
    subjects = [m["subject"] for m in smtp_sink.messages]
    assert subjects[0].startswith("Your questionnaire") and all(s.startswith("Reminder") for s in subjects[1:])


def test_nothing_after_the_patient_submits(make_app, smtp_sink, sms_gateway, site, client):
    """The real path: the link from the e-mail opens the survey, the patient sends, later runs send nothing."""
    now = utcnow()
    zone = daytime_zone(now)
    patient = add_patient(site, now.date(), "SUB-1", timezone=zone)
    app = client.application

    dispatch(app, now)
    assert len(smtp_sink.messages) == 1
    assert client.get(smtp_sink.links()[0]).status_code == 302
    answer(client)
    assert client.post("/s/send").status_code == 302

    for days in (2, 5, 13, 20):
        dispatch(app, now + timedelta(days=days))

    assert len(smtp_sink.messages) == 1
    reasons = {m.cancelled_reason for m in messages_of(patient) if m.visit_id == baseline(patient).id
               and m.status == "cancelled"}
    assert reasons == {"submitted"}


def daytime_zone(now):
    """A fixed-offset zone in which `now` is around midday, so the test never meets quiet hours."""
    offset = max(min(12 - now.hour, 14), -12)
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def test_eligibility_is_checked_again_at_send_time(app, site, smtp_sink):
    patient = add_patient(site, ANCHOR, "LON-3")
    dispatch(app, OPEN_DAY_8AM_LONDON)
    visit = db.session.get(Visit, baseline(patient).id)
    visit.submitted_at = utc(2026, 5, 19, 9)  # submitted by a path that did not cancel the reminders
    db.session.commit()

    dispatch(app, utc(2026, 5, 20, 7))

    assert len(smtp_sink.messages) == 1
    reminder = next(m for m in messages_of(patient) if m.visit_id == visit.id and m.sequence == 1)
    assert (reminder.status, reminder.cancelled_reason) == ("cancelled", "submitted")
    assert reminder.attempts_log[-1].outcome == "skipped"


def test_no_message_after_revocation_or_withdrawal(app, site, smtp_sink):
    revoked = add_patient(site, ANCHOR, "REV-1")
    withdrawn = add_patient(site, ANCHOR, "WDR-1")
    dispatch(app, OPEN_DAY_8AM_LONDON)
    assert len(smtp_sink.messages) == 2
    links.revoke_all(baseline(revoked), None, utc(2026, 5, 19))
    withdrawn.withdrawn_at = utc(2026, 5, 19)
    db.session.commit()

    dispatch(app, utc(2026, 5, 20, 7))

    assert len(smtp_sink.messages) == 2
    assert {m.cancelled_reason for m in messages_of(revoked) if m.visit_id == baseline(revoked).id
            and m.status == "cancelled"} == {"revoked"}


def test_an_smtp_server_that_answers_try_later_leads_to_retries_then_one_delivery(app, site, smtp_sink):
    patient = add_patient(site, ANCHOR, "RTY-1")
    smtp_sink.fail = ["451 4.3.0 Try again later", "421 4.3.2 Service not available"]

    now = OPEN_DAY_8AM_LONDON
    dispatch(app, now)
    invitation = next(m for m in messages_of(patient) if m.kind == "invitation" and m.visit_id == baseline(patient).id)
    assert (invitation.status, invitation.attempts) == ("pending", 1)
    assert invitation.next_attempt_at == now + timedelta(minutes=1)  # DISPATCH_RETRY_BASE=60 s
    dispatch(app, now + timedelta(seconds=30))  # not yet: backing off
    assert invitation.attempts == 1
    dispatch(app, now + timedelta(minutes=1))
    dispatch(app, now + timedelta(minutes=3))

    db.session.refresh(invitation)
    assert (invitation.status, invitation.attempts) == ("sent", 3)
    assert [a.outcome for a in invitation.attempts_log] == ["transient_error", "transient_error", "sent"]
    assert invitation.attempts_log[0].error == "SMTP 451"
    assert len(smtp_sink.messages) == 1 and invitation.provider_id == smtp_sink.messages[0]["message_id"]


def test_a_server_that_keeps_failing_gives_a_visible_failure_never_a_silent_loss(app, site, smtp_sink):
    patient = add_patient(site, ANCHOR, "FAIL-1")
    smtp_sink.fail = ["451 4.3.0 Try again later"] * 10

    for minutes in (0, 2, 10, 60):
        dispatch(app, OPEN_DAY_8AM_LONDON + timedelta(minutes=minutes))

    invitation = next(m for m in messages_of(patient) if m.kind == "invitation" and m.visit_id == baseline(patient).id)
    assert (invitation.status, invitation.attempts) == ("failed", 3)  # DISPATCH_MAX_ATTEMPTS=3
    assert invitation.last_error == "SMTP 451"
    assert len(invitation.attempts_log) == 3 and smtp_sink.messages == []


def test_a_refused_connection_is_transient(make_app, site):
    app = make_app(**channel_config(MESSAGE_CHANNEL_EMAIL="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=9,
                                    MAIL_TIMEOUT=2))
    site_id = site.id
    with app.app_context():
        patient = add_patient(db.session.get(Site, site_id), ANCHOR, "DOWN-1")
        Dispatcher(now=lambda: OPEN_DAY_8AM_LONDON).run()
        invitation = next(m for m in messages_of(patient) if m.kind == "invitation"
                          and m.visit_id == baseline(patient).id)

        assert invitation.status == "pending" and invitation.attempts == 1
        assert invitation.attempts_log[0].outcome == "transient_error"
        assert "ConnectionRefused" in invitation.attempts_log[0].error


def test_a_permanently_refused_address_fails_at_once(app, site, smtp_sink):
    patient = add_patient(site, ANCHOR, "PERM-1")
    smtp_sink.fail = ["550 5.1.1 No such user"]

    dispatch(app, OPEN_DAY_8AM_LONDON)

    invitation = next(m for m in messages_of(patient) if m.kind == "invitation" and m.visit_id == baseline(patient).id)
    assert (invitation.status, invitation.attempts_log[0].outcome) == ("failed", "permanent_error")


def test_sms_goes_through_the_gateway_in_twilio_format(app, site, sms_gateway, smtp_sink):
    patient = add_patient(site, ANCHOR, "SMS-1", email=None, phone="+441632960123", preferred_channel="sms")

    dispatch(app, OPEN_DAY_8AM_LONDON)

    assert smtp_sink.messages == []
    [request] = sms_gateway.received
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "AC123:gateway-secret"
    assert request["type"] == "application/x-www-form-urlencoded"
    assert request["form"]["To"] == "+441632960123" and request["form"]["From"] == "+15005550006"
    assert "Clinic A" in request["form"]["Body"] and "STOP" in request["form"]["Body"]
    invitation = next(m for m in messages_of(patient) if m.kind == "invitation" and m.visit_id == baseline(patient).id)
    assert (invitation.status, invitation.channel, invitation.provider_id) == ("sent", "sms", f"SM{1:032x}")


def test_a_gateway_5xx_is_retried_and_a_4xx_is_not(app, site, sms_gateway):
    first = add_patient(site, ANCHOR, "SMS-2", email=None, phone="+441632960124", preferred_channel="sms")
    sms_gateway.fail = [503]
    dispatch(app, OPEN_DAY_8AM_LONDON)
    invitation = next(m for m in messages_of(first) if m.kind == "invitation" and m.visit_id == baseline(first).id)
    assert (invitation.status, invitation.last_error) == ("pending", "gateway HTTP 503")

    sms_gateway.fail = [400]
    dispatch(app, OPEN_DAY_8AM_LONDON + timedelta(minutes=5))
    db.session.refresh(invitation)
    assert (invitation.status, invitation.last_error) == ("failed", "gateway HTTP 400")


def test_dry_run_sends_and_changes_nothing(app, site, smtp_sink):
    add_patient(site, ANCHOR, "DRY-1")
    db.session.commit()

    with app.app_context():
        report = Dispatcher(now=lambda: OPEN_DAY_8AM_LONDON).run(dry_run=True)

    assert report.sent == 1 and any("send" in line for line in report.lines)
    assert smtp_sink.messages == []
    assert db.session.scalar(select(func.count(Message.id))) == 0
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_the_cli_sends_and_prints_a_summary(app, site, smtp_sink):
    add_patient(site, date.today(), "CLI-1", timezone=daytime_zone(utcnow()))
    db.session.commit()

    dry = app.test_cli_runner().invoke(args=["reminders", "send", "--dry-run"])
    assert dry.exit_code == 0 and "Dry run:" in dry.output and smtp_sink.messages == []
    result = app.test_cli_runner().invoke(args=["reminders", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output and len(smtp_sink.messages) == 1


def test_a_run_that_died_after_claiming_is_picked_up_after_the_lease(app, site, smtp_sink):
    patient = add_patient(site, ANCHOR, "LEASE-1")
    db.session.commit()
    with app.app_context():
        dispatcher = Dispatcher(now=lambda: OPEN_DAY_8AM_LONDON)
        from pro_app.messaging.dispatcher import plan_due
        plan_due(OPEN_DAY_8AM_LONDON)
        db.session.commit()
        claimed = dispatcher.claim(10)  # ... and the process dies here
    assert claimed and smtp_sink.messages == []

    dispatch(app, OPEN_DAY_8AM_LONDON + timedelta(minutes=5))  # within the lease: left alone
    assert smtp_sink.messages == []
    dispatch(app, OPEN_DAY_8AM_LONDON + timedelta(minutes=20))

    assert len(smtp_sink.messages) == 1
    outcomes = db.session.scalars(select(DeliveryAttempt.outcome).order_by(DeliveryAttempt.id)).all()
    assert outcomes == ["lease_expired", "sent"]
    assert messages_of(patient)[0].status == "sent"


def test_starttls_and_login_with_credentials_from_config(make_app, site, tmp_path):
    import ssl

    from aiosmtpd.smtp import AuthResult

    cert, key = self_signed_cert(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"mailer" and auth_data.password == b"s3cret")

    sink = SmtpSink()
    controller, port = start_smtp(sink, tls_context=server_context, require_starttls=True,
                                  authenticator=authenticator, auth_require_tls=True)
    site_id = site.id
    try:
        app = make_app(**channel_config(MESSAGE_CHANNEL_EMAIL="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                                        MAIL_USE_TLS=True, MAIL_USERNAME="mailer", MAIL_PASSWORD="s3cret",
                                        MAIL_TLS_CONTEXT=client_context))
        with app.app_context():
            add_patient(db.session.get(Site, site_id), ANCHOR, "TLS-1")
            report = Dispatcher(now=lambda: OPEN_DAY_8AM_LONDON).run()
    finally:
        controller.stop()

    assert report.sent == 1
    assert sink.messages[0]["tls"] is True
    assert seen and seen[0][1:] == (b"mailer", b"s3cret")


def test_implicit_tls(make_app, site, tmp_path):
    import ssl

    cert, key = self_signed_cert(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    sink = SmtpSink()
    controller, port = start_smtp(sink, ssl_context=server_context)
    site_id = site.id
    try:
        app = make_app(**channel_config(MESSAGE_CHANNEL_EMAIL="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                                        MAIL_USE_SSL=True,
                                        MAIL_TLS_CONTEXT=ssl.create_default_context(cafile=str(cert))))
        with app.app_context():
            add_patient(db.session.get(Site, site_id), ANCHOR, "SSL-1")
            report = Dispatcher(now=lambda: OPEN_DAY_8AM_LONDON).run()
    finally:
        controller.stop()

    assert report.sent == 1 and sink.messages[0]["tls"] is True


def test_two_dispatchers_at_once_send_each_message_exactly_once(app, site, smtp_sink):
    """Two dispatchers (own connections, as on two hosts) race over the same due messages. On PostgreSQL
    (TEST_DATABASE_URL) this exercises FOR UPDATE SKIP LOCKED; on SQLite the conditional UPDATE claim."""
    for number in range(60):
        add_patient(site, ANCHOR, f"RACE-{number:03d}")
    db.session.commit()
    smtp_sink.delay = 0.01
    barrier = threading.Barrier(2)
    errors = []

    def run(name):
        try:
            with app.app_context():
                dispatcher = Dispatcher(now=lambda: OPEN_DAY_8AM_LONDON, worker=name)
                dispatcher.batch_size = 5
                barrier.wait()
                dispatcher.run()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(f"host-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    recipients = [m["to"][0] for m in smtp_sink.messages]
    assert len(recipients) == 60 and len(set(recipients)) == 60  # everyone once, nobody twice
    db.session.commit()
    statuses = db.session.execute(select(Message.status, func.count()).where(Message.kind == "invitation",
                                  Message.status != "pending").group_by(Message.status)).all()
    assert dict(statuses) == {"sent": 60}
    claimers = db.session.scalars(select(func.count(func.distinct(func.substr(Message.claimed_by, 1, 6))))
                                  .where(Message.status == "sent")).one()
    if TEST_DATABASE_URL:  # SKIP LOCKED: both take batches side by side (SQLite may let one writer do it all)
        assert claimers == 2
    sends = db.session.scalar(select(func.count(DeliveryAttempt.id)).where(DeliveryAttempt.outcome == "sent"))
    assert sends == 60
