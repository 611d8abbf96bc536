"""argon2id password hashing (ASVS 2.4.1) with parameters from configuration."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from zxcvbn import zxcvbn

# zxcvbn estimates how many guesses a password needs, from its own lists of the 30,000 most common passwords,
# names and English words, keyboard patterns, dates and l33t substitutions (ASVS 6.1.2 / SECURITY.md G-AUTH-2:
# "top-3000 list rejected"). Score 3 means at least 10^8 guesses.
MIN_SCORE = 3


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
    if email and email.split("@")[0].lower() in password.lower():
        return "Choose a password that is harder to guess"
    # zxcvbn reads at most 72 characters; a longer passphrase is judged by its first 72.
    if zxcvbn(password[:72], user_inputs=[email, *email.split("@")] if email else [])["score"] < MIN_SCORE:
        return "Choose a password that is harder to guess: avoid common words, names, dates and keyboard patterns"
    return None
