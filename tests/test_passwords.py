"""G-AUTH-2: staff passwords: long enough, not a common password, name or keyboard pattern, not the e-mail."""
import pytest

from pro_app.auth.passwords import password_problem


@pytest.mark.parametrize("password", [
    "password1234", "qwertyuiop12", "iloveyou2024!", "1q2w3e4r5t6y", "Password2024!", "football1234",
    "sunshine2023", "123456789abc", "abc123abc123", "letmein12345",
])
def test_common_passwords_of_any_length_are_refused(app, password):
    assert "harder to guess" in password_problem(password)


@pytest.mark.parametrize("password", ["correct horse battery staple", "Tr0ub4dor&3-xk", "vN4!qz9-Lr2#Wm"])
def test_hard_to_guess_passwords_are_accepted(app, password):
    assert password_problem(password) is None


def test_the_email_and_short_or_overlong_passwords_are_refused(app):
    assert "harder to guess" in password_problem("jane.doe-clinic-2026", "jane.doe@clinic.example")
    assert "12 characters or more" in password_problem("Xk9!qz")
    assert "128 characters or fewer" in password_problem("x" * 129)
    assert password_problem("v" + "N4!qz9-Lr2#Wm" * 9) is None  # 118 characters: long passphrases are welcome
