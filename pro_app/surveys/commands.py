"""`flask invite PATIENT VISIT`: issue a survey link from the command line (printed as the last line)."""
import click
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Patient, Visit
from .links import LinkRefused, invite as issue_checked, link_url


@click.command("invite")
@click.argument("patient")
@click.argument("visit")
def invite(patient, visit):
    """Issue a survey link for PATIENT (study id) at VISIT (visit code, e.g. m3); prints the link last."""
    row = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == patient, Visit.code == visit))
    if row is None:
        raise click.ClickException(f"No visit {visit!r} for patient {patient!r}.")
    try:
        invitation, token = issue_checked(row)
    except LinkRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.flush()
    audit.record("create", "invitation", invitation.id, patient_id=row.patient_id, new={"visit": row.code},
                 reason="flask invite")
    db.session.commit()
    click.echo(f"Link for {patient} at {row.label}, valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(link_url(token))


COMMANDS = (invite,)
