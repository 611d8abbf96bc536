from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..auth.passwords import password_problem

NO_REQUIRED = {"required": False}


class UserForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[InputRequired(_l("Enter the person's full name")),
                                                    Length(max=120, message=_l("Name must be 120 characters or fewer"))],
                       render_kw=NO_REQUIRED)
    email = EmailField(_l("Email address"), validators=[
        InputRequired(_l("Enter an email address")),
        Email(_l("Enter an email address in the correct format, like name@example.com")), Length(max=254)],
        render_kw=NO_REQUIRED)
    role = SelectField(_l("Role"), choices=[SelectChoice("clinician", _l("Clinician")),
                                            SelectChoice("coordinator", _l("Coordinator")),
                                            SelectChoice("admin", _l("Administrator"))])
    site = SelectField(_l("Site"), coerce=int)
    password = PasswordField(_l("First password"), validators=[InputRequired(_l("Enter a first password"))],
                             render_kw=NO_REQUIRED)

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.email.data or "")
        if problem:
            raise ValidationError(problem)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    patient = StringField(_l("Patient study id"), validators=[Optional(), Length(max=40)])
    actor = StringField(_l("Staff email"), validators=[Optional(), Length(max=254)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class ExportForm(FlaskForm):
    """Which site to export, and whether contact details go with it (never by default)."""

    site = RadioField(_l("Site"), validators=[InputRequired(_l("Select the site to export"))], validate_choice=False,
                      render_kw=NO_REQUIRED)
    include_contacts = BooleanField(_l("Include patients' e-mail addresses and phone numbers"))

    def validate_site(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Select the site to export"))


class ApiTokenForm(FlaskForm):
    user = SelectField(_l("Person"), validate_choice=False)
    name = StringField(_l("What the token is for"), validators=[
        InputRequired(_l("Enter what the token is for")),
        Length(max=80, message=_l("The name must be 80 characters or fewer"))], render_kw=NO_REQUIRED)

    def validate_user(self, field):
        if not field.data or field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(_l("Select the person the token reads as"))
