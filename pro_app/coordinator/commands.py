"""`flask reminders send [--dry-run]` (run from cron or a systemd timer) and `flask patients enrol`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Patient, Site, VisitPlan
from .plans import enrol, ensure_default_plan

reminders_cli = AppGroup("reminders", help="Invitations and reminders to patients.")
patients_cli = AppGroup("patients", help="Patients and their visit plans.")


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Show what would be sent now; send and change nothing.")
@click.option("--limit", type=int, default=None, help="Process at most this many messages in this run.")
def send(dry_run, limit):
    """Send the invitations and reminders that are due. Safe to run on several hosts at once."""
    from ..messaging.dispatcher import Dispatcher

    report = Dispatcher().run(limit=limit, dry_run=dry_run)
    for line in report.lines:
        click.echo(line)
    click.echo(("Dry run: " if dry_run else "") + report.summary())


@patients_cli.command("enrol")
@click.argument("study_id")
@click.option("--site", "site_code", required=True, help="Site code, e.g. DEMO.")
@click.option("--anchor", "anchor", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="Day 0 of the plan (YYYY-MM-DD).")
@click.option("--email", default=None)
@click.option("--phone", default=None, help="E.164, e.g. +441632960123.")
@click.option("--channel", type=click.Choice(["email", "sms", "none"]), default="email")
@click.option("--language", default="en")
@click.option("--timezone", "timezone", default=None, help="IANA time zone; default: the site's.")
@click.option("--plan", "plan_id", type=int, default=None, help="Visit plan id; default: the standard SSc plan.")
def enrol_patient(study_id, site_code, anchor, email, phone, channel, language, timezone, plan_id):
    """Enrol STUDY_ID on a visit plan and create its visits."""
    from .forms import contact_problems

    site = db.session.scalar(select(Site).where(Site.code == site_code))
    if site is None:
        raise click.UsageError(f"No site with code {site_code!r}.")
    if db.session.scalar(select(Patient.id).where(Patient.study_id == study_id)):
        raise click.UsageError(f"Study id {study_id} is already enrolled.")
    problems = contact_problems(email, phone, channel, timezone or site.timezone, language)
    if problems:
        raise click.UsageError("; ".join(problems))
    plan = db.session.get(VisitPlan, plan_id) if plan_id else ensure_default_plan()
    if plan is None or plan.site_id not in (None, site.id):
        raise click.UsageError("No such visit plan for this site.")
    patient = Patient(site=site, study_id=study_id, email=email or None, phone=phone or None,
                      preferred_channel=channel, language=language, timezone=timezone or site.timezone)
    db.session.add(patient)
    enrol(patient, plan, anchor.date())
    db.session.flush()
    audit.record("create", "patient", patient.id, patient_id=patient.id,
                 new={"study_id": study_id, "plan": plan.name, "anchor": anchor.date().isoformat()},
                 reason="flask patients enrol")
    db.session.commit()
    click.echo(f"Enrolled {study_id} on {plan.name!r} from {anchor.date():%Y-%m-%d} ({len(plan.visits)} visits).")


COMMANDS = (reminders_cli, patients_cli)
