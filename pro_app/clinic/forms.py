"""Clinician forms: the assessment (mRSS body map, FVC, physician global, Step 1), answer corrections, the
baseline, sign-off and unlock. Server-side validation only; nothing is `required` in the HTML."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, RadioField, SelectField, TextAreaField
from wtforms.fields import DecimalField, SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..reports.labels import MRSS_SITE_LABELS, STEP1_EVENT_LABELS
from .rules import MRSS_FIELDS, STEP1_FIELDS

NO_REQUIRED = {"required": False}
FVC_EQUATIONS = ("GLI-2012", "GLI-Global-2022", "ECSC-1993", "NHANES III", "Other")


def _int_or_none(value):
    return None if value in (None, "", "None") else int(value)


def _bool_or_none(value):
    if value in (True, False, None):
        return value
    return {"yes": True, "no": False}.get(value)


class AssessmentForm(FlaskForm):
    version = HiddenField()
    fvc_pct = DecimalField(_l("FVC % predicted"), places=1, validators=[
        Optional(), NumberRange(0, 200, _l("Enter FVC % predicted between 0 and 200"))], render_kw=NO_REQUIRED)
    fvc_equation = SelectField(_l("Reference equation"), choices=[SelectChoice("", _l("Select an equation"))]
                               + [SelectChoice(code, code) for code in FVC_EQUATIONS], validate_choice=True)
    md_global = RadioField(_l("Physician global assessment"), coerce=_int_or_none, validators=[Optional()],
                           choices=[SelectChoice(n, str(n)) for n in range(11)], render_kw=NO_REQUIRED)
    reason = TextAreaField(_l("Reason for the correction"), validators=[Length(max=500)])

    def validate_fvc_equation(self, field):
        if self.fvc_pct.data is not None and not field.data:
            raise ValidationError(_l("Select the reference equation used for FVC % predicted"))


for _name in MRSS_FIELDS:
    setattr(AssessmentForm, _name, RadioField(
        MRSS_SITE_LABELS[_name.removeprefix("mrss_")], coerce=_int_or_none, validators=[Optional()],
        choices=[SelectChoice(n, str(n)) for n in range(4)], render_kw=NO_REQUIRED))
for _name in STEP1_FIELDS:
    setattr(AssessmentForm, _name, RadioField(
        STEP1_EVENT_LABELS[_name], coerce=_bool_or_none, validators=[Optional()],
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))], render_kw=NO_REQUIRED))


def assessment_values(form: AssessmentForm) -> dict:
    """The submitted clinician values as stored (FVC as a float with one decimal)."""
    values = {name: form[name].data for name in MRSS_FIELDS + ("md_global",) + STEP1_FIELDS}
    values["fvc_pct"] = None if form.fvc_pct.data is None else round(float(form.fvc_pct.data), 1)
    values["fvc_equation"] = form.fvc_equation.data or None
    return values


class CorrectAnswerForm(FlaskForm):
    item = SelectField(_l("Answer to correct"), validate_choice=True)
    value = IntegerField(_l("Corrected value"), validators=[InputRequired(_l("Enter the corrected value"))],
                         render_kw=NO_REQUIRED)
    reason = TextAreaField(_l("Reason for the correction"), validators=[
        InputRequired(_l("Enter the reason for the correction")), Length(max=500)])


class BaselineForm(FlaskForm):
    action = HiddenField()
    visit = SelectField(_l("Baseline visit"), validate_choice=True)
    reason = TextAreaField(_l("Reason for changing a locked baseline"), validators=[Length(max=500)])


class SignForm(FlaskForm):
    meaning = SelectField(_l("Meaning of this signature"), choices=[
        SelectChoice("Reviewed and approved", _l("Reviewed and approved")),
        SelectChoice("Author of the assessment", _l("Author of the assessment"))])
    password = PasswordField(_l("Your password"), validators=[InputRequired(_l("Enter your password to sign"))],
                             render_kw={"required": False, "autocomplete": "current-password"})


class UnlockForm(FlaskForm):
    reason = TextAreaField(_l("Reason for unlocking"), validators=[
        InputRequired(_l("Enter the reason for unlocking this visit")), Length(max=500)])
