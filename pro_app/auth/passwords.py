"""argon2id password hashing (ASVS 2.4.1) with parameters from configuration."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# A handful of the most common passwords; length >= 12 already excludes most of the top-3000 lists.
COMMON = {
    "123456789012", "password1234", "qwertyuiop12", "passwordpassword", "123412341234", "111111111111",
    "iloveyou1234", "welcome12345", "changeme1234", "letmein12345", "administrator", "qwertyuiopas",
}


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_COST"],
                          parallelism=config["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists: unknown accounts verify against a dummy hash."""
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(hasher), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash("not a real password, only equal work")
    return _DUMMY[key]


def password_problem(password: str, email: str = "") -> str | None:
    """A GOV.UK-style message saying what is wrong with a new password, or None."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"Password must be {minimum} characters or more"
    if len(password) > 128:
        return "Password must be 128 characters or fewer"
    if password.lower() in COMMON or (email and email.split("@")[0].lower() in password.lower()):
        return "Choose a password that is harder to guess"
    return None
