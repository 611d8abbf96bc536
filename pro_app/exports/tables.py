"""Tidy rows for the CSV export, built from a `Batch` with the scoring engine's own results.

Every score comes from `pro_app.outcomes` (and so from `pro_app.scoring`): the HAQ-DI and mRSS results, the
comparisons (`compare`) and their `.to_dict()` roundings. Nothing is recomputed here; this module only decides
how a value is written:
- booleans as 1/0, a missing value as an empty cell, dates as YYYY-MM-DD, times as ISO 8601 UTC with a Z;
- lists (missing inputs, Step-1 events) joined with ';';
- any text cell that a spreadsheet would run as a formula is neutralised (see `safe_cell`).
"""
import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime

from ..outcomes import Comparison, VisitOutcome, compare
from ..scoring import HAQ_CATEGORIES, THRESHOLDS, vas_to_03
from ..scoring.criss import CORE_ITEMS, CRISS_CONVENTION, STEP1_EVENTS
from ..scoring.haq import HAQ_CONVENTION
from ..scoring.mrss import MRSS_CONVENTION
from ..scoring.rcriss import rcriss_convention
from . import columns
from .batches import Batch

CONVENTION_KEYS = {
    "haq-di": HAQ_CONVENTION,
    "mrss": MRSS_CONVENTION,
    "acr-criss": CRISS_CONVENTION,
    "revised-criss": rcriss_convention(),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: str) -> str:
    """Neutralise CSV formula injection (OWASP): a text starting with = + - @ tab or CR gets a leading '.

    Plain numbers (a negative change, an E.164 phone number) are left alone: they cannot call anything.
    """
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def cell(value) -> str:
    """One CSV cell. Called for every cell of every file, so the common types are tested first."""
    kind = type(value)
    if kind is str:
        return safe_cell(value) if value[:1] in _FORMULA_CHARS else value
    if value is None:
        return ""
    if kind is bool:
        return "1" if value else "0"
    if kind is int or kind is float:
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return safe_cell(";".join(str(item) for item in value))
    return safe_cell(str(value))


_FORMULA_CHARS = frozenset(FORMULA_START)


def _patient_key(batch: Batch, patient) -> dict:
    return {"study_id": patient.study_id, "site": batch.sites[patient.site_id].code}


def patient_rows(batch: Batch) -> Iterator[dict]:
    for patient in batch.patients:
        enrolment = batch.enrolments.get(patient.id)
        yield {**_patient_key(batch, patient), "language": patient.language,
               "plan": enrolment.plan if enrolment else None,
               "anchor_date": enrolment.anchor_date if enrolment else None,
               "enrolled_at": enrolment.enrolled_at if enrolment else None, "withdrawn_at": patient.withdrawn_at}


def translation_validated(instrument: str, language: str) -> bool | None:
    from ..instruments import INSTRUMENTS

    known = INSTRUMENTS.get(instrument)
    translation = known.translations.get(language) if known else None
    return translation.validated if translation else None


def answer_rows(batch: Batch) -> Iterator[dict]:
    for patient in batch.patients:
        key = _patient_key(batch, patient)
        for visit in batch.visits[patient.id]:
            for response in batch.responses.get(visit.id, ()):
                validated = translation_validated(response.instrument, response.language)
                for answer in response.answers:
                    yield {
                        **key, "visit_code": visit.code, "visit_label": visit.label, "visit_date": visit.target_date,
                        "instrument": response.instrument, "instrument_version": response.version,
                        "language": response.language, "translation_validated": validated,
                        "submitted_at": response.submitted_at, "item": answer.item,
                        "value": None if answer.skipped else answer.value, "skipped": answer.skipped,
                        "text": answer.text, "answered_at": answer.answered_at,
                        "corrected": answer.corrected_at is not None, "corrected_at": answer.corrected_at,
                        "original_value": answer.original_value, "original_skipped": answer.original_skipped,
                    }


def _vas(value: int | None) -> tuple[int | None, float | None]:
    return value, None if value is None else vas_to_03(value)


def score_values(outcome: VisitOutcome) -> dict:
    """The scores of one visit as flat columns (shared by visit_scores.csv and the JSON API)."""
    haq = outcome.haq
    values = {
        "haq_di": haq.haq_di if haq else None,
        "haq_di_without_aids": haq.haq_di_without_aids if haq else None,
        "haq_computable": haq.computable if haq else None,
        "haq_categories_answered": haq.categories_answered if haq else None,
        **{f"haq_{c}": haq.categories[c] if haq else None for c in HAQ_CATEGORIES},
        "pt_global": outcome.pt_global,
    }
    values["pain_vas"], values["pain_03"] = _vas(outcome.pain)
    for item in columns.SHAQ_ITEMS:
        values[f"shaq_{item}_vas"], values[f"shaq_{item}_03"] = _vas(outcome.shaq.get(item))
    mrss = outcome.mrss
    values.update({
        "mrss": mrss.mrss if mrss else None,
        "mrss_sites_scored": 17 - len(mrss.missing_sites) if mrss else None,
        "fvc_pct": outcome.fvc_pct, "fvc_equation": outcome.fvc_equation, "md_global": outcome.md_global,
        **{f"step1_{event}": getattr(outcome.step1, event) for event in STEP1_EVENTS},
    })
    return values


def visit_score_rows(batch: Batch) -> Iterator[dict]:
    for patient in batch.patients:
        key = _patient_key(batch, patient)
        for visit in batch.visits[patient.id]:
            outcome = batch.outcomes[visit.id]
            yield {
                **key, "visit_code": visit.code, "visit_label": visit.label, "visit_position": visit.position,
                "is_baseline": visit.is_baseline, "target_date": visit.target_date,
                "window_open": visit.window_open, "window_close": visit.window_close,
                "submitted_at": outcome.submitted_at, "has_assessment": outcome.has_assessment,
                "assessed_on": batch.assessed_on.get(visit.id), "signed": outcome.signed,
                "corrected_items": sorted(outcome.corrected_items),
                **score_values(outcome),
            }


def comparisons_for(outcomes: list[VisitOutcome]) -> list[Comparison]:
    """Baseline against every later visit with any data (the plan's baseline, else the first visit)."""
    ordered = sorted(outcomes, key=lambda o: o.target_date)
    baseline = next((o for o in ordered if o.is_baseline), ordered[0] if ordered else None)
    if baseline is None:
        return []
    return [compare(baseline, later) for later in ordered
            if later.target_date > baseline.target_date and later.has_any_data]


def comparison_values(comparison: Comparison) -> dict:
    criss = comparison.criss.to_dict()  # rounded as the scoring engine reports it
    rcriss = comparison.rcriss
    return {
        "criss": criss["criss"], "linear_predictor": criss["linear_predictor"], "improved": criss["improved"],
        "step1_met": criss["step1_met"], "step1_events": criss["step1_events"], "computable": criss["computable"],
        "rule": criss["rule"],
        "missing": [f"{m['visit']}.{m['field']} ({m['provider']})" for m in criss["missing"]],
        "rcriss_computable": rcriss.computable,
        **{f"rcriss_{x}": rcriss.responder[x] if rcriss.responder else None for x in THRESHOLDS},
        **{f"delta_{item}": comparison.deltas[item] for item in CORE_ITEMS},
        "fvc_equation_changed": comparison.fvc_equation_changed,
        "fvc_decline_suggested": comparison.fvc_decline_suggested,
        "criss_convention": "acr-criss", "rcriss_convention": "revised-criss",
    }


def comparison_rows(batch: Batch) -> Iterator[dict]:
    for patient in batch.patients:
        key = _patient_key(batch, patient)
        outcomes = [batch.outcomes[visit.id] for visit in batch.visits[patient.id]]
        for comparison in comparisons_for(outcomes):
            yield {**key, "baseline_visit": comparison.baseline.code, "baseline_date": comparison.baseline.target_date,
                   "followup_visit": comparison.followup.code, "followup_date": comparison.followup.target_date,
                   **comparison_values(comparison)}


def convention_rows() -> Iterator[dict]:
    for key, text in CONVENTION_KEYS.items():
        yield {"key": key, "text": text}


def contact_rows(batch: Batch) -> Iterator[dict]:
    for patient in batch.patients:
        yield {"study_id": patient.study_id, "email": patient.email, "phone": patient.phone,
               "preferred_channel": patient.preferred_channel, "email_opt_out_at": patient.email_opt_out_at,
               "sms_opt_out_at": patient.sms_opt_out_at}


BATCH_TABLES = {
    "patients.csv": patient_rows,
    "answers.csv": answer_rows,
    "visit_scores.csv": visit_score_rows,
    "comparisons.csv": comparison_rows,
}


def file_names(include_contacts: bool) -> list[str]:
    return list(BATCH_TABLES) + ["conventions.csv"] + (["contacts.csv"] if include_contacts else [])


class CsvWriter:
    """One CSV file: header from the column dictionary, cells through `cell`, RFC 4180 quoting, UTF-8."""

    def __init__(self, stream: io.TextIOBase, file: str):
        self.columns = columns.names(file)
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.writer.writerow(self.columns)
        self.rows = 0

    def write(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self.writer.writerow([cell(row.get(name)) for name in self.columns])
            self.rows += 1
