"""Message bodies carry no PHI; the inbound SMS webhook (STOP / START) authenticates the gateway."""
import re
from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.messaging import bodies
from pro_app.messaging.channels import ConsoleChannel, Outgoing, make_channels
from pro_app.messaging.dispatcher import Dispatcher
from pro_app.messaging.webhook import keyword, signature
from pro_app.models import AuditEvent, Message
from tests.conftest import TEST_DATABASE_URL, _empty_postgres
from tests.messaging_support import add_patient, channel_config, sms_gateway, smtp_sink, utc  # noqa: F401

KEY = "webhook-signing-key"
URL = "http://localhost/sms/inbound"


@pytest.fixture
def app(make_app, smtp_sink, sms_gateway):  # noqa: F811
    app = make_app(**channel_config(smtp_sink, sms_gateway, SMS_WEBHOOK_TOKEN=KEY))
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    with app.app_context():
        g.db_readonly = True
        yield app


def post_sms(client, body, sender="+441632960123", key=KEY, **extra):
    form = {"From": sender, "To": "+15005550006", "Body": body, "MessageSid": "SM1", **extra}
    return client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature(key, URL, form)})


def test_signature_matches_twilios_published_example():
    # https://www.twilio.com/docs/usage/security#validating-requests (documented example values)
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}

    assert signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params) == \
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.parametrize("text,expected", [("STOP", "stop"), (" stop ", "stop"), ("Stop.", "stop"),
                                           ("unsubscribe", "stop"), ("START", "start"), ("unstop", "start"),
                                           ("stopping by later", None), ("hello", None), ("", None)])
def test_keywords(text, expected):
    assert keyword(text) == expected


def test_stop_sets_the_opt_out_and_no_further_sms_goes_out(app, client, site, sms_gateway, smtp_sink):
    patient = add_patient(site, date(2026, 6, 1), "STOP-1", email=None, phone="+441632960123",
                          preferred_channel="sms")

    response = post_sms(client, "STOP")

    assert response.status_code == 200 and response.mimetype == "text/xml"
    db.session.commit()
    db.session.refresh(patient)
    assert patient.sms_opt_out_at is not None
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.field == "sms_opt_out")).one()
    assert row.actor == "sms-gateway" and row.patient_id == patient.id

    with app.app_context():
        Dispatcher(now=lambda: utc(2026, 5, 18, 7)).run()
    assert sms_gateway.received == [] and smtp_sink.messages == []
    db.session.commit()
    invitation = db.session.scalars(select(Message).where(Message.patient_id == patient.id,
                                                          Message.kind == "invitation")).first()
    assert (invitation.status, invitation.cancelled_reason) == ("cancelled", "opted_out_or_no_address")


def test_start_clears_the_opt_out(app, client, site):
    patient = add_patient(site, date(2026, 6, 1), "STOP-2", phone="+441632960123", preferred_channel="sms")
    post_sms(client, "STOP")

    post_sms(client, "START")

    db.session.commit()
    db.session.refresh(patient)
    assert patient.sms_opt_out_at is None


@pytest.mark.parametrize("how", ["no signature", "wrong key", "tampered body", "other url"])
def test_the_webhook_refuses_unsigned_or_forged_requests(app, client, site, how):
    patient = add_patient(site, date(2026, 6, 1), "STOP-3", phone="+441632960123", preferred_channel="sms")
    form = {"From": "+441632960123", "Body": "STOP"}
    headers = {
        "no signature": {},
        "wrong key": {"X-Twilio-Signature": signature("guess", URL, form)},
        "tampered body": {"X-Twilio-Signature": signature(KEY, URL, {**form, "Body": "hello"})},
        "other url": {"X-Twilio-Signature": signature(KEY, "http://evil.example/sms/inbound", form)},
    }[how]

    response = client.post("/sms/inbound", data=form, headers=headers)

    assert response.status_code == 403
    db.session.commit()
    db.session.refresh(patient)
    assert patient.sms_opt_out_at is None


def test_without_a_configured_key_the_webhook_refuses_everything(make_app, site):
    app = make_app(SMS_WEBHOOK_TOKEN=None, SMS_AUTH_TOKEN=None)
    form = {"From": "+441632960123", "Body": "STOP"}

    response = app.test_client().post("/sms/inbound", data=form,
                                      headers={"X-Twilio-Signature": signature("", URL, form)})

    assert response.status_code == 403


CANARY = {"study_id": "CANARY-Zq81", "email": "canary.zq81@example.org", "phone": "+441632960999"}


def test_no_phi_in_any_message_body(app, site, smtp_sink, sms_gateway):
    """SECURITY.md G-MSG-1: a canary patient through every template and channel: only greeting, clinic, link."""
    email_patient = add_patient(site, date(2026, 6, 1), CANARY["study_id"], email=CANARY["email"],
                                phone=CANARY["phone"], language="en")
    sms_patient = add_patient(site, date(2026, 6, 1), "CANARY-Zq82", email=None, phone="+441632960998",
                              preferred_channel="sms", language="de")
    db.session.commit()
    forbidden = [CANARY["study_id"], "CANARY", "Zq8", CANARY["email"], CANARY["phone"], "1632960998", "baseline",
                 "Baseline", "Month", "HAQ", "haq", "SHAQ", "sclero", "Sklero", "SSc", "systemic", "score"]

    texts = []
    with app.app_context():
        for kind in ("invitation", "reminder"):
            for channel in ("email", "sms"):
                for language in ("en", "de"):
                    subject, body = bodies.render(kind, channel, "Clinic A", "http://localhost/s/TOKEN", language)
                    texts.append(subject + "\n" + body)
        for hour in (7, 8 * 24 + 7):  # invitation, then the +2 d reminder
            from datetime import timedelta
            Dispatcher(now=lambda: utc(2026, 5, 18, 7) + timedelta(hours=hour - 7)).run()
    texts += [m["subject"] + "\n" + m["body"] for m in smtp_sink.messages]
    texts += [r["form"]["Body"] for r in sms_gateway.received]

    assert len(smtp_sink.messages) >= 2 and sms_gateway.received
    for text in texts:
        leaked = [word for word in forbidden if word in text]
        assert not leaked, (leaked, text)
        stripped = re.sub(r"http://localhost/s/[A-Za-z0-9_-]+", "", text)
        assert "Clinic A" in text and "/s/" not in stripped
    assert email_patient and sms_patient


def test_console_channel_for_development(capsys):
    channels = make_channels({"MESSAGE_CHANNEL_EMAIL": "console", "MESSAGE_CHANNEL_SMS": "console"})

    provider_id = channels["email"].send(Outgoing("email", "a@example.org", "Hello", "Subject"))

    assert isinstance(channels["email"], ConsoleChannel) and provider_id == "console-1"
    assert "Subject" in capsys.readouterr().out


def test_messages_come_in_the_patients_language(app):
    subject, body = bodies.render("invitation", "email", "Klinik A", "http://localhost/s/TOKEN", "de")
    _, sms = bodies.render("reminder", "sms", "Klinik A", "http://localhost/s/TOKEN", "de")

    assert subject == "Ihr Fragebogen von Klinik A" and body.startswith("Guten Tag,")
    assert sms.startswith("Guten Tag, Erinnerung von Klinik A") and "STOP" in sms
