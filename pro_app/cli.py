"""Command-line interface: `flask --app wsgi <command>`. Each package adds its own group here."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from . import audit
from .auth.passwords import hash_password, password_problem
from .extensions import db
from .models import ROLES, Site, User

users_cli = AppGroup("users", help="Manage staff accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--site", "site_code", required=True, help="Site code, e.g. DEMO.")
@click.password_option(help="Prompted (twice) when not given.")
def create_user(email, name, role, site_code, password):
    """Create a staff account."""
    email = email.strip().lower()
    site = db.session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise click.UsageError(f"No site with code {site_code!r}.")
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.UsageError(f"A user with email {email} already exists.")
    problem = password_problem(password, email)
    if problem:
        raise click.UsageError(problem)
    user = User(email=email, name=name, role=role, site=site, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("create", "user", user.id, new={"email": email, "role": role, "site": site.code})
    db.session.commit()
    click.echo(f"Created {role} {email} at site {site.code}.")


@users_cli.command("list")
def list_users():
    """List staff accounts."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}\t{user.role}\t{user.site.code}\t{state}")


@audit_cli.command("verify")
def verify():
    """Recompute the hash chain; exit 1 and name each row that was changed, removed or reordered."""
    checked, problems = audit.verify_chain()
    for row_id, problem in problems:
        click.echo(f"row {row_id}: {problem}", err=True)
    if problems:
        click.echo(f"Audit trail FAILED: {len(problems)} problem(s) in {checked} rows.", err=True)
        raise SystemExit(1)
    click.echo(f"Audit trail OK: {checked} rows, hash chain intact.")


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
def backup(destination):
    """Online, consistent copy of a SQLite database (safe while the app runs). For PostgreSQL use pg_dump."""
    import sqlite3

    if db.engine.dialect.name != "sqlite":
        raise click.UsageError("For PostgreSQL use: pg_dump --format=custom --file=FILE DBNAME")
    if Path(destination).exists():
        raise click.UsageError(f"{destination} exists; choose a new file name.")
    source = sqlite3.connect(db.engine.url.database)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)  # page-by-page copy of a consistent snapshot, WAL included
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    audit.record("backup", "database", None, new={"file": Path(destination).name})
    db.session.commit()
    click.echo(f"Backup written to {destination} (integrity_check: {result}).")


@click.command("check-db")
def check_db():
    """Refuse (exit 1) when the database is not configured for durability (WAL, synchronous=FULL, fsync)."""
    from .db import durability_problems

    problems = durability_problems(db.engine)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"Database OK ({db.engine.dialect.name}).")


def init_app(app):
    from .demo import demo
    from .scoring.commands import score

    for command in (users_cli, audit_cli, demo, check_db, backup, score):
        app.cli.add_command(command)
    for name in ("pro_app.reminders.commands", "pro_app.reports.commands",
                 "pro_app.api.commands", "pro_app.exports.commands", "pro_app.coordinator.commands",
                 "pro_app.surveys.commands"):
        _add_optional(app, name)


def _add_optional(app, module_name):
    """Packages that are not there yet simply add no commands."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return
        raise
    for command in getattr(module, "COMMANDS", ()):
        app.cli.add_command(command)


__all__ = ["init_app", "current_app"]
