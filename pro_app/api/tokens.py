"""Personal API tokens: created for one staff member, shown once, stored only as a SHA-256 hash, revocable.

Shared by the admin pages and `flask api-token`; nothing here commits or writes the audit trail (the caller
does both). A token reads with its user's role and site, and stops working when it is revoked or its user is
disabled. Tokens look like `ssp_<43 characters>`: the recognisable prefix lets secret scanners find a leaked
one; the first 12 characters are kept (in clear) so people can tell their tokens apart.
"""
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, User
from ..models.types import utcnow
from ..security import digest, new_token

TOKEN_PREFIX = "ssp_"
SHOWN_PREFIX = 12
NAME_MAX = 80


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself (shown once, never stored)."""
    raw = TOKEN_PREFIX + new_token()
    token = ApiToken(user_id=user.id, name=name.strip()[:NAME_MAX], token_hash=digest(raw), prefix=raw[:SHOWN_PREFIX])
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke(token: ApiToken) -> bool:
    """Revoke now; False when it was already revoked (nothing changes)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def find(raw: str | None) -> ApiToken | None:
    """The live token for this secret, or None (unknown, revoked, or its user is disabled)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def record_use(token: ApiToken) -> None:
    token.last_used_at = utcnow()
    token.uses = (token.uses or 0) + 1
