"""Message texts: a greeting, the clinic's name and the link. Nothing else about the patient or the study
(no name, no study id, no visit, no diagnosis: DESIGN.md non-negotiables, SECURITY.md G-MSG-1)."""
from flask import render_template
from flask_babel import force_locale, gettext as _



def render(kind: str, channel: str, clinic: str, link: str, language: str) -> tuple[str, str]:
    """(subject, body) of one message in the patient's language."""
    with force_locale(language or "en"):
        if channel == "sms":
            return "", render_template("messages/sms.txt", kind=kind, clinic=clinic, link=link).strip()
        template = "messages/email_invitation.txt" if kind == "invitation" else "messages/email_reminder.txt"
        subject = (_("Your questionnaire from %(clinic)s", clinic=clinic) if kind == "invitation"
                   else _("Reminder: your questionnaire from %(clinic)s", clinic=clinic))
        return subject, render_template(template, clinic=clinic, link=link).strip() + "\n"
