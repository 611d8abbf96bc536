"""Coordinator forms: enrolment and contact details, visit plans, and the plan text a coordinator types."""
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

NO_REQUIRED = {"required": False}
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
EMAIL = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
STUDY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
LANGUAGES = (("en", "English"), ("de", "Deutsch"))


def valid_timezone(name: str | None) -> bool:
    if not name or name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def contact_field_problems(email, phone, channel, timezone, language) -> list[tuple[str, str]]:
    """(field name, message) for each problem with contact details; empty when fine.
    No CR/LF, commas or extra addresses (SECURITY.md G-MSG-2); phone numbers in E.164."""
    problems = []
    if email and (len(email) > 254 or not EMAIL.match(email)):
        problems.append(("email", str(_l("Enter an email address in the correct format, like name@example.com"))))
    if phone and not E164.match(phone):
        problems.append(("phone", str(_l("Enter the mobile number in international format, like +441632960123"))))
    if channel == "email" and not email:
        problems.append(("email", str(_l("Enter an email address, or choose another way to contact the patient"))))
    if channel == "sms" and not phone:
        problems.append(("phone", str(_l("Enter a mobile number, or choose another way to contact the patient"))))
    if not valid_timezone(timezone):
        problems.append(("timezone", str(_l("Enter a time zone such as Europe/London"))))
    if language not in {code for code, _ in LANGUAGES}:
        problems.append(("language", str(_l("Choose a language"))))
    return problems


def contact_problems(email, phone, channel, timezone, language) -> list[str]:
    """The messages of `contact_field_problems` (shared by the form and `flask patients enrol`)."""
    return [message for _field, message in contact_field_problems(email, phone, channel, timezone, language)]


class PatientForm(FlaskForm):
    """Contact details and preferences (enrolment and editing)."""

    email = EmailField(_l("Email address (optional)"), validators=[Optional(), Length(max=254)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v], render_kw=NO_REQUIRED)
    phone = StringField(_l("Mobile number (optional)"), validators=[Optional(), Length(max=20)],
                        filters=[lambda v: v.replace(" ", "") if isinstance(v, str) else v], render_kw=NO_REQUIRED)
    preferred_channel = RadioField(_l("How should we send links?"), choices=[
        SelectChoice("email", _l("Email")), SelectChoice("sms", _l("Text message (SMS)")),
        SelectChoice("none", _l("Do not send messages"))], default="email",
        validators=[InputRequired(_l("Choose how to send links"))], render_kw=NO_REQUIRED)
    language = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in LANGUAGES])
    timezone = StringField(_l("Time zone"), validators=[InputRequired(_l("Enter a time zone such as Europe/London")),
                                                       Length(max=64)], render_kw=NO_REQUIRED)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not ok:
            return False
        problems = contact_field_problems(self.email.data, self.phone.data, self.preferred_channel.data,
                                          self.timezone.data, self.language.data)
        for name, message in problems:  # by field name: the messages may be in German
            field = self[name]
            field.errors = list(field.errors) + [message]
        return not problems


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why is the patient leaving the study?"), validators=[
        DataRequired(_l("Enter the reason for the withdrawal")), Length(max=500, message=_l(
            "Keep the reason to 500 characters or fewer"))],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v], render_kw=NO_REQUIRED)


class PlainDateField(DateField):
    """A date field whose parse error says what to type (WTForms' own says "Not a valid date value")."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter the baseline date as a date, like 2026-06-01"))) from None


class EnrolForm(PatientForm):
    study_id = StringField(_l("Study id"), validators=[
        InputRequired(_l("Enter the patient's study id")),
        Regexp(STUDY_ID, message=_l("Use up to 40 letters, digits, dots, dashes or underscores"))],
        render_kw=NO_REQUIRED)
    plan = SelectField(_l("Visit plan"), coerce=int, validate_choice=False)
    anchor_date = PlainDateField(_l("Day 0 of the plan (baseline date)"),
                                 validators=[InputRequired(_l("Enter the baseline date as a date, like 2026-06-01"))],
                                 render_kw=NO_REQUIRED)

    def validate_plan(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a visit plan"))


class PlanForm(FlaskForm):
    name = StringField(_l("Plan name"), validators=[InputRequired(_l("Enter a name for the plan")),
                                                     Length(max=120)], render_kw=NO_REQUIRED)
    visits = TextAreaField(_l("Visits, one per line"), validators=[InputRequired(_l("Enter at least one visit"))],
                           render_kw=NO_REQUIRED)

    def validate_visits(self, field):
        specs, problems = parse_plan_text(field.data or "")
        if problems:
            raise ValidationError(problems[0])
        self.specs = specs


@dataclass(frozen=True)
class VisitLine:
    code: str
    label: str
    day_offset: int
    window_before: int
    window_after: int
    instruments: str


KNOWN_INSTRUMENTS = ("pt_global", "haq", "shaq")
CODE = re.compile(r"^[a-z0-9_]{1,20}$")


def parse_plan_text(text: str) -> tuple[list[VisitLine], list[str]]:
    """Lines `code, label, day, days before, days after[, instruments separated by spaces]`.

    Example: `m3, Month 3, 91, 14, 14, pt_global haq shaq`. Returns (visits, problems)."""
    visits, problems, seen = [], [], set()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 40:
        return [], ["A plan can have at most 40 visits"]
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split(",")]
        if len(parts) not in (5, 6):
            problems.append(f"Line {number}: write code, label, day, days before, days after[, instruments]")
            continue
        code, label = parts[0].lower(), parts[1]
        if not CODE.match(code):
            problems.append(f"Line {number}: the code must be lower-case letters, digits or _ (up to 20)")
            continue
        if code in seen:
            problems.append(f"Line {number}: the code {code} is used twice")
            continue
        if not label or len(label) > 80:
            problems.append(f"Line {number}: give the visit a label of up to 80 characters")
            continue
        try:
            day, before, after = (int(part) for part in parts[2:5])
        except ValueError:
            problems.append(f"Line {number}: day and window days must be whole numbers")
            continue
        if not (0 <= day <= 3650 and 0 <= before <= 90 and 0 <= after <= 90):
            problems.append(f"Line {number}: day must be 0-3650 and windows 0-90 days")
            continue
        instruments = parts[5].split() if len(parts) == 6 else list(KNOWN_INSTRUMENTS)
        unknown = [code_ for code_ in instruments if code_ not in KNOWN_INSTRUMENTS]
        if unknown or not instruments:
            problems.append(f"Line {number}: instruments must be among {', '.join(KNOWN_INSTRUMENTS)}")
            continue
        seen.add(code)
        visits.append(VisitLine(code, label, day, before, after, ",".join(instruments)))
    if not visits and not problems:
        problems.append("Enter at least one visit")
    return visits, problems
