from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(_l("Enter your email address")),
                                                        Length(max=254)],
                       render_kw={"required": False, "autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password")),
                                                         Length(max=128)],
                             render_kw={"required": False, "autocomplete": "current-password"})


class EmptyForm(FlaskForm):
    """A CSRF-protected button (logout, revoke, ...)."""
