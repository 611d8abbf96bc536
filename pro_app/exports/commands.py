"""`flask export csv|fhir`: a site's data as tidy CSV files or one FHIR R4 transaction Bundle (audited)."""
import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Site
from . import export_to_directory, write_fhir_file

export_cli = AppGroup("export", help="Export a site's data (pseudonymised unless --include-contacts).")

CONTACTS_HELP = "Also write patients' e-mail addresses and phone numbers (contacts.csv / Patient.telecom)."


def _sites(codes: tuple[str, ...]) -> list[Site]:
    sites = []
    for code in codes:
        site = db.session.scalar(select(Site).where(Site.code == code))
        if site is None:
            raise click.UsageError(f"No site with code {code!r}.")
        sites.append(site)
    return sites


def _audit(what: str, sites: list[Site], include_contacts: bool, result: dict, target: Path) -> None:
    audit.record("export", "site", sites[0].id if len(sites) == 1 else None, new={
        "what": what, "sites": [s.code for s in sites], "include_contacts": include_contacts,
        "files": {name: info["rows"] for name, info in result["files"].items()}, "target": str(target)})
    db.session.commit()


@export_cli.command("csv")
@click.option("--site", "site_codes", required=True, multiple=True, help="Site code (repeat for several sites).")
@click.option("-o", "--output", "directory", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write into (created if needed; files in it are replaced).")
@click.option("--include-contacts", is_flag=True, help=CONTACTS_HELP)
def export_csv(site_codes, directory, include_contacts):
    """Tidy CSV files: patients, answers, visit scores, comparisons, conventions (+ contacts)."""
    sites = _sites(site_codes)
    result = export_to_directory(directory, sites, include_contacts)
    (directory / "manifest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    _audit("csv", sites, include_contacts, result, directory)
    for name, info in result["files"].items():
        click.echo(f"{directory / name}\t{info['rows']} rows")


@export_cli.command("fhir")
@click.option("--site", "site_codes", required=True, multiple=True, help="Site code (repeat for several sites).")
@click.option("-o", "--output", "path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The JSON file to write (replaced if it exists).")
@click.option("--include-contacts", is_flag=True, help=CONTACTS_HELP)
def export_fhir(site_codes, path, include_contacts):
    """One HL7 FHIR R4 transaction Bundle: Questionnaires, CodeSystems, Patients, responses, Observations."""
    sites = _sites(site_codes)
    result = write_fhir_file(path, sites, include_contacts)
    _audit("fhir", sites, include_contacts, result, path)
    click.echo(f"{path}\t{result['files'][path.name]['rows']} entries")


COMMANDS = (export_cli,)
