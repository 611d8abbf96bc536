"""Inbound SMS webhook (blueprint "messaging"): STOP / START from patients, Twilio's request format.

The gateway POSTs a form (From, Body, ...) and signs it: `X-Twilio-Signature` is the base64 HMAC-SHA1, keyed
with SMS_WEBHOOK_TOKEN (default: SMS_AUTH_TOKEN), of the webhook's public URL (built from BASE_URL, never the
Host header) followed by every form field name and value sorted by name. Without a configured key, or with a
wrong signature, the request is refused (403). No browser session is involved, so CSRF does not apply.
"""
import base64
import hashlib
import hmac

from flask import Blueprint, Response, abort, current_app, g, request
from sqlalchemy import select

from .. import audit
from ..extensions import csrf, db
from ..models import Patient
from ..models.types import utcnow
from ..policy import phi_write
from ..security import external_url

bp = Blueprint("messaging", __name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signature(key: str, url: str, form: dict[str, str]) -> str:
    payload = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    return base64.b64encode(hmac.new(key.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def keyword(body: str) -> str | None:
    word = (body or "").strip().split(maxsplit=1)
    word = word[0].strip(".!").upper() if word else ""
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


@bp.route("/sms/inbound", methods=["POST"])
@csrf.exempt
@phi_write
def inbound_sms():
    key = current_app.config.get("SMS_WEBHOOK_TOKEN") or current_app.config.get("SMS_AUTH_TOKEN")
    given = request.headers.get("X-Twilio-Signature", "")
    form = {name: request.form.get(name, "") for name in request.form}
    if not key or not hmac.compare_digest(given, signature(key, external_url("messaging.inbound_sms"), form)):
        abort(403)
    g.actor = ("system", None, "sms-gateway", "system")
    action = keyword(form.get("Body", ""))
    sender = form.get("From", "").strip()
    if action and sender:
        now = utcnow()
        patients = db.session.scalars(select(Patient).where(Patient.phone == sender)).all()
        for patient in patients:
            old = patient.sms_opt_out_at
            if action == "stop" and old is None:
                patient.sms_opt_out_at = now
            elif action == "start":
                patient.sms_opt_out_at = None
        ids = ",".join(str(p.id) for p in patients)
        audit.record("update", "patient", ids or None, patient_id=patients[0].id if len(patients) == 1 else None,
                     field="sms_opt_out", new={"keyword": action, "patients": len(patients)},
                     reason=f"SMS {action.upper()} from the patient")
    else:
        audit.record("receive", "sms", None, new={"keyword": None}, reason="inbound SMS without a keyword")
    db.session.commit()
    return Response(EMPTY_TWIML, mimetype="text/xml")
