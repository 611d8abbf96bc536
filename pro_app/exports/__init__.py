"""Data out: tidy CSV files and an HL7 FHIR R4 transaction Bundle for one or more sites.

Used by `flask export csv|fhir`, the admin zip download and the JSON API. Reading goes through `batches`
(bounded queries, bounded memory), rows through `tables`, FHIR resources through `fhir`; every score comes from
`pro_app.outcomes`. Nothing here commits or writes the audit trail: the caller records the export and commits.
Contact details are written only when `include_contacts` is true (an administrator's explicit choice).
"""
import contextlib
import gc
import hashlib
import io
import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from . import fhir, tables
from .batches import Batch, iter_batches

__all__ = ["Batch", "csv_files", "export_to_directory", "fhir_builder", "fhir_bundle", "iter_batches",
           "write_fhir_file", "write_zip"]

FORMAT_VERSION = 1


def fhir_builder() -> fhir.FhirBuilder:
    return fhir.FhirBuilder(current_app.config["FHIR_BASE_URL"])


def _batches(sites, patient_ids=None):
    return iter_batches(sites, current_app.config["EXPORT_BATCH_SIZE"], patient_ids)


def csv_files(sites, include_contacts: bool = False) -> dict[str, list[dict]]:
    """Every CSV file as a list of row dicts (in memory: for tests and small sites)."""
    files = {name: [] for name in tables.file_names(include_contacts)}
    for batch in _batches(sites):
        for name, build in tables.BATCH_TABLES.items():
            files[name].extend(build(batch))
        if include_contacts:
            files["contacts.csv"].extend(tables.contact_rows(batch))
    files["conventions.csv"] = list(tables.convention_rows())
    return files


def fhir_bundle(sites, include_contacts: bool = False, patient_ids=None) -> dict:
    """The transaction Bundle as a dict (in memory: the API's per-patient bundle, tests)."""
    return fhir.bundle(fhir_builder(), _batches(sites, patient_ids), include_contacts)


@contextlib.contextmanager
def _fewer_gc_pauses():
    """Exports create millions of short-lived objects; CPython's default collection thresholds then spend about a
    quarter of the CPU time re-scanning them (measured in bench/bench_export.py). Raised for the export only."""
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _private_file(path: Path):
    """Open for writing, readable by the owner only: exports hold patient data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_to_directory(directory: Path, sites, include_contacts: bool = False, csv: bool = True,
                        fhir_file: str | None = None) -> dict:
    """Write the CSV files (and/or the FHIR bundle) into `directory` in one pass; return the manifest.

    Files are written under temporary names and renamed when complete, so a reader never sees half a file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    names = tables.file_names(include_contacts) if csv else []
    started = datetime.now(UTC)
    temporary = {name: directory / f".{name}.partial" for name in names + ([fhir_file] if fhir_file else [])}
    streams = {name: _private_file(path) for name, path in temporary.items()}
    try:
        writers = {name: tables.CsvWriter(streams[name], name) for name in names}
        builder = fhir_builder()
        entries = 0
        if fhir_file:
            fhir_stream = streams[fhir_file]
            header = json.dumps(fhir.bundle_header(include_contacts, started), ensure_ascii=False)
            fhir_stream.write(header[:-1] + ', "entry": [\n')
            for resource in builder.definitions():
                fhir_stream.write((",\n" if entries else "") + _entry_json(builder, resource))
                entries += 1
        with _fewer_gc_pauses():
            for batch in _batches(sites):
                for name, build in tables.BATCH_TABLES.items():
                    if name in writers:
                        writers[name].write(build(batch))
                if "contacts.csv" in writers:
                    writers["contacts.csv"].write(tables.contact_rows(batch))
                if fhir_file:
                    for resource in builder.batch_resources(batch, include_contacts):
                        fhir_stream.write(",\n" + _entry_json(builder, resource))
                        entries += 1
        if "conventions.csv" in writers:
            writers["conventions.csv"].write(tables.convention_rows())
        if fhir_file:
            fhir_stream.write("\n]}\n")
    except BaseException:
        for name, stream in streams.items():
            stream.close()
            temporary[name].unlink(missing_ok=True)
        raise
    for stream in streams.values():
        stream.close()
    files = {}
    for name, path in temporary.items():
        final = directory / name
        os.replace(path, final)
        files[name] = {"rows": writers[name].rows if name in writers else entries, "sha256": _sha256(final)}
    return manifest(sites, include_contacts, started, files)


def _entry_json(builder: fhir.FhirBuilder, resource: dict) -> str:
    return json.dumps(builder.entry(resource), ensure_ascii=False, separators=(",", ":"))


def manifest(sites, include_contacts: bool, started: datetime, files: dict) -> dict:
    """What was exported, when, how: kept beside the files (an export records what it contains)."""
    return {
        "format": "SScore PRO export", "format_version": FORMAT_VERSION,
        "exported_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sites": sorted(site.code for site in sites), "pseudonymised": not include_contacts,
        "include_contacts": include_contacts, "fhir_version": "4.0.1", "fhir_base_url": current_app.config[
            "FHIR_BASE_URL"], "files": files,
        "note": "Rows count CSV data rows (without the header) or FHIR bundle entries. Column dictionary: "
                "README.md, section Getting data out.",
    }


def write_fhir_file(path: Path, sites, include_contacts: bool = False) -> dict:
    path = Path(path)
    result = export_to_directory(path.parent if str(path.parent) else Path("."), sites, include_contacts, csv=False,
                                 fhir_file=path.name)
    return result


def write_zip(stream: io.BufferedIOBase, sites, include_contacts: bool = False) -> dict:
    """A zip with csv/*.csv, fhir/bundle.json and manifest.json, written to `stream`; returns the manifest."""
    with tempfile.TemporaryDirectory(prefix="sscore-export-") as folder:
        folder = Path(folder)
        result = export_to_directory(folder, sites, include_contacts, csv=True, fhir_file="bundle.json")
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in result["files"]:
                arcname = f"fhir/{name}" if name == "bundle.json" else f"csv/{name}"
                archive.write(folder / name, arcname)
            archive.writestr("manifest.json", json.dumps(result, indent=2))
    return result
