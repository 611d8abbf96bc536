"""`flask api-token create|list|revoke`: personal API tokens from the command line (audited as the system)."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import ApiToken, User
from . import tokens

api_token_cli = AppGroup("api-token", help="Create, list and revoke personal API tokens.")


@api_token_cli.command("create")
@click.option("--email", required=True, help="The staff member the token reads as (their role and site).")
@click.option("--name", required=True, help="What the token is for, e.g. 'R on the trial laptop'.")
def create(email, name):
    """Create a token and print it once (only its hash is kept)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise click.UsageError(f"No active user with email {email}.")
    if not name.strip():
        raise click.UsageError("Give the token a name.")
    token, raw = tokens.create(user, name)
    audit.record("create", "api_token", token.id, new={"user_id": user.id, "name": token.name,
                                                       "prefix": token.prefix})
    db.session.commit()
    click.echo(f"Token {token.prefix}... for {user.email} ({user.role}, site {user.site.code}). "
               "Copy it now: it is not shown again.", err=True)
    click.echo(raw)


@api_token_cli.command("list")
def list_tokens():
    """List tokens: prefix, user, name, last use, state."""
    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "revoked" if token.revoked_at else "active"
        used = token.last_used_at.strftime("%Y-%m-%d %H:%M UTC") if token.last_used_at else "never"
        click.echo(f"{token.prefix}\t{token.user.email}\t{token.name}\tlast used {used}\t{token.uses} uses\t{state}")


@api_token_cli.command("revoke")
@click.argument("prefix")
def revoke(prefix):
    """Revoke the token whose shown prefix (ssp_...) is PREFIX."""
    matches = db.session.scalars(select(ApiToken).where(ApiToken.prefix == prefix.strip())).all()
    if len(matches) != 1:
        raise click.UsageError(f"{len(matches)} tokens have the prefix {prefix!r}; give the 12-character prefix "
                               "that `flask api-token list` shows.")
    token = matches[0]
    if not tokens.revoke(token):
        click.echo(f"Token {token.prefix} was already revoked.")
        return
    audit.record("revoke", "api_token", token.id, field="revoked_at", new=token.revoked_at)
    db.session.commit()
    click.echo(f"Revoked token {token.prefix} of {token.user.email}.")


COMMANDS = (api_token_cli,)
