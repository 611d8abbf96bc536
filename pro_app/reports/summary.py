"""What the one-page clinical summary says, read from `pro_app.outcomes` (scores are never computed here).

`summary_context` gathers one patient's visits, the chosen comparison and everything the template prints,
already formatted, so the template only lays it out and a test can check the words without a PDF.
"""
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil, floor

from sqlalchemy import select

from .. import outcomes
from ..charts import Point, trend_chart
from ..extensions import db
from ..models import Patient, Signature
from ..models.types import utcnow
from ..scheduling import local_today
from ..scoring import CORE_ITEMS, HAQ_CATEGORIES, THRESHOLDS, vas_to_03
from ..scoring.haq import HAQ_CONVENTION
from ..scoring.mcid import MCID_TABLE
from ..scoring.mrss import MRSS_CONVENTION
from .bodymap import FILLS, HEIGHT, LIMB_PATHS, SITE_POSITIONS, WIDTH
from .labels import (AID_LABELS, HAQ_CATEGORY_LABELS, STEP1_EVENT_LABELS, VAS_LABELS, instrument_name,
                     translation_status, translation_validated)

DECIMALS = {"mrss": 0, "fvc_pct": 1, "pt_global": 0, "md_global": 0, "haq_di": 3}
SCALES = {"mrss": "0-51", "fvc_pct": "%", "pt_global": "0-10", "md_global": "0-10", "haq_di": "0-3"}
CHART_RANGES = {"mrss": (0, 51), "pt_global": (0, 10), "md_global": (0, 10), "haq_di": (0, 3)}
TICKS = {"mrss": (0, 25, 50), "pt_global": (0, 5, 10), "md_global": (0, 5, 10), "haq_di": (0, 1, 2, 3)}
PRIMARY_RCRISS = 25  # the revised CRISS threshold shown large; the others go in small print
CITATIONS = (  # as cited by the scoring spec (docs/scoring-spec.md)
    "ACR-CRISS: Khanna D et al., Arthritis Care Res 2016;68:167-178 (doi:10.1002/acr.22804), Table 4.",
    "Revised CRISS: Khanna D, Huang S, Lin CJF, Spino C, Ann Rheum Dis 2021;80:641-650.",
    "HAQ-DI: Fries JF et al., Arthritis Rheum 1980;23:137-145; Bruce B, Fries JF, Health Qual Life Outcomes "
    "2003;1:20.",
    "Scleroderma-HAQ VAS: Steen VD, Medsger TA Jr, Arthritis Rheum 1997;40:1984-1991.",
    "mRSS: Khanna D et al., J Scleroderma Relat Disord 2017;2:11-18.",
    "MCID: Khanna D et al., Ann Rheum Dis 2006;65:1325-1329; Khanna D et al., Arthritis Res Ther 2019 "
    "(doi:10.1186/s13075-019-1809-y); Kafaja S et al., Am J Respir Crit Care Med 2018;197:644-652.",
)


@dataclass(frozen=True)
class CoreRow:
    item: str
    label: str
    scale: str
    baseline: str
    followup: str
    delta: str
    mcid: str
    mcid_state: str  # improved | worsened | within | none | unknown (a CSS class)


def fmt(value: float | None, decimals: int) -> str:
    """A value as printed: fixed decimals, "–" when missing."""
    if value is None:
        return "–"
    return f"{value:.{decimals}f}"


def fmt_delta(delta: float | None, decimals: int) -> str:
    """A signed change (ASCII minus, so it pastes into a spreadsheet); exactly zero has no sign."""
    if delta is None:
        return "–"
    if round(delta, decimals) == 0:
        return f"{0:.{decimals}f}"
    return f"{delta:+.{decimals}f}"


def percent(probability: float) -> str:
    return f"{probability * 100:.1f} %"


def mcid_text(item: str, flag) -> tuple[str, str]:
    """(words, state) for one MCID flag."""
    improve = MCID_TABLE[item][0]
    if improve is None:
        return "no MCID published", "none"
    if flag is None or flag.delta is None:
        return "–", "unknown"
    threshold = f"MCID {abs(float(improve)):g}"
    if flag.improved:
        return f"improved ≥ {threshold}", "improved"
    if flag.worsened:
        return f"worsened ≥ {threshold}", "worsened"
    return f"within {threshold}", "within"


def core_rows(baseline, followup, comparison) -> list[CoreRow]:
    rows = []
    for item in CORE_ITEMS:
        d = DECIMALS[item]
        before = getattr(baseline.core, item) if baseline else None
        after = getattr(followup.core, item) if followup else None
        delta = comparison.deltas[item] if comparison else None
        words, state = mcid_text(item, comparison.mcid[item] if comparison else None)
        rows.append(CoreRow(item, outcomes.CORE_LABELS[item], SCALES[item], fmt(before, d), fmt(after, d),
                            fmt_delta(delta, d), words, state))
    return rows


def haq_rows(visits) -> list[dict]:
    """One row per HAQ-DI category: the score at each visit and, where an aid or help raised it, by what."""
    rows = []
    for category in HAQ_CATEGORIES:
        cells = []
        for outcome in visits:
            haq = outcome.haq if outcome else None
            score = haq.categories[category] if haq else None
            raised = haq.raised_by.get(category, ()) if haq else ()
            cells.append({"score": fmt(score, 0), "raised": bool(raised),
                          "by": ", ".join("help" if r == "help" else AID_LABELS[r].lower() for r in raised)})
        rows.append({"label": HAQ_CATEGORY_LABELS[category], "cells": cells})
    return rows


def vas_rows(visits) -> list[dict]:
    rows = []
    for code, label in VAS_LABELS.items():
        cells = []
        for outcome in visits:
            value = None if outcome is None else (outcome.pain if code == "pain" else outcome.shaq.get(code))
            cells.append("–" if value is None else f"{value} ({vas_to_03(value):.2f})")
        rows.append({"label": label, "cells": cells})
    return rows


def other_aids(visits) -> list[tuple[str, str]]:
    """The patient's own words for an "other" aid (shown, never scored), per visit."""
    found = []
    for outcome in visits:
        answer = outcome.answers.get("aid_other") if outcome else None
        if answer is not None and answer.text:
            found.append((outcome.label, answer.text))
    return found


def _chart_range(item: str, values: list[float]) -> tuple[float, float]:
    if item in CHART_RANGES:
        return CHART_RANGES[item]
    known = [v for v in values if v is not None] or [80.0]  # FVC % predicted: a window around the values
    return max(0, floor((min(known) - 10) / 10) * 10), ceil((max(known) + 10) / 10) * 10


def short_label(outcome) -> str:
    """Axis label: "BL", "M3", "M12"... from the visit code; the visit label when the code is long."""
    code = outcome.code
    if outcome.is_baseline:
        return "BL"
    return code.upper() if len(code) <= 4 else outcome.label[:8]


def _ticks(item: str, low: float, high: float) -> tuple[float, ...]:
    if item in TICKS:
        return TICKS[item]
    step = 10 if high - low <= 40 else 20
    return tuple(range(int(low), int(high) + 1, step))


def trend_charts(visits: list, baseline) -> list:
    """One small chart per core item across every visit with data (ACR-CRISS inputs over time)."""
    charts = []
    for item in CORE_ITEMS:
        points = [Point(o.target_date, getattr(o.core, item), short_label(o)) for o in visits]
        low, high = _chart_range(item, [p.value for p in points])
        improve = MCID_TABLE[item][0]
        charts.append({
            "label": outcomes.CORE_LABELS[item],
            "svg": trend_chart(outcomes.CORE_LABELS[item], points, low, high, decimals=DECIMALS[item],
                               mcid=abs(float(improve)) if improve else None,
                               baseline=baseline.target_date if baseline else None,
                               width=220, height=140, chart_id=f"trend-{item}", ticks=_ticks(item, low, high),
                               max_labels=5, dates=False),
        })
    return charts


def body_map(outcome) -> dict | None:
    if outcome is None or outcome.mrss is None:
        return None
    sites = []
    for site, (x, y) in SITE_POSITIONS.items():
        value = outcome.mrss.sites.get(site)
        fill, ink = FILLS[value]
        sites.append({"site": site, "x": x, "y": y, "value": "–" if value is None else value, "fill": fill,
                      "ink": ink})
    return {"label": outcome.label, "total": fmt(outcome.mrss.mrss, 0), "sites": sites, "width": WIDTH,
            "height": HEIGHT, "limbs": LIMB_PATHS}


def signer(visit_id: int | None):
    """The follow-up's valid (latest non-superseded) signature, or None."""
    if visit_id is None:
        return None
    return db.session.scalar(select(Signature).where(Signature.visit_id == visit_id,
                                                     Signature.superseded_at.is_(None))
                             .order_by(Signature.signed_at.desc(), Signature.id.desc()).limit(1))


def visit_dates(outcome, timezone: str) -> dict | None:
    if outcome is None:
        return None
    answered = local_today(outcome.submitted_at, timezone) if outcome.submitted_at else None
    return {"label": outcome.label, "code": outcome.code, "planned": outcome.target_date,
            "answered": answered, "assessed": outcome.assessed_on}


def instrument_rows(visits) -> list[dict]:
    """Instrument, version and language as used at the compared visits, with translation status."""
    seen = {}
    for outcome in visits:
        if outcome is None:
            continue
        for instrument, (version, language) in sorted(outcome.instruments.items()):
            seen.setdefault((instrument, version, language), []).append(outcome.label)
    return [{"name": instrument_name(instrument), "version": version, "language": language,
             "status": translation_status(instrument, language),
             "validated": translation_validated(instrument, language), "visits": ", ".join(labels)}
            for (instrument, version, language), labels in seen.items()]


def unvalidated_translations(visits) -> list[str]:
    """"German translation not validated (HAQ-DI with pain VAS, ...)": one line per status, for the result box."""
    by_status: dict[str, list[str]] = {}
    for row in instrument_rows(visits):
        if not row["validated"] and row["name"] not in by_status.setdefault(row["status"], []):
            by_status[row["status"]].append(row["name"])
    return [f"{status} ({', '.join(names)})" for status, names in by_status.items() if names]


def result_summary(comparison) -> dict:
    """The words of the result box."""
    if comparison is None:
        return {"state": "none"}
    criss, rcriss = comparison.criss, comparison.rcriss
    events = [STEP1_EVENT_LABELS[e] for e in criss.step1.events]
    step1 = criss.step1.to_dict()
    result = {
        "state": "step1" if criss.step1_met else "not_computable" if not criss.computable
        else "improved" if criss.improved else "not_improved",
        "criss": None if criss.criss is None else f"{criss.criss:.3f}",
        "criss_percent": None if criss.criss is None else percent(criss.criss),
        "linear_predictor": None if criss.linear_predictor is None else f"{criss.linear_predictor:.2f}",
        "step1_events": events,
        "step1_unassessed": [STEP1_EVENT_LABELS[e] for e, v in step1.items() if v is None],
        "rcriss_computable": rcriss.computable,
        "rcriss_primary": None, "rcriss_others": [],
    }
    if rcriss.responder is not None:
        result["rcriss_primary"] = rcriss.responder.get(PRIMARY_RCRISS)
        result["rcriss_others"] = [(x, rcriss.responder[x]) for x in THRESHOLDS if x != PRIMARY_RCRISS
                                   and x in rcriss.responder]
        result["rcriss_counts"] = (rcriss.improved_count.get(PRIMARY_RCRISS),
                                   rcriss.worsened_count.get(PRIMARY_RCRISS))
    return result


def summary_context(patient: Patient, followup_code: str | None = None, now: datetime | None = None) -> dict:
    """Everything the summary template needs. Raises LookupError / ValueError for a bad `followup_code`."""
    visits = outcomes.patient_visits(patient.id)
    by_id = outcomes.load_outcomes(visits)
    ordered = [by_id[v.id] for v in visits]
    pair = outcomes.chosen_pair(ordered, followup_code)
    if pair:
        baseline, followup = pair
        comparison = outcomes.compare(baseline, followup)
        missing = [(m.text, why) for m, why in outcomes.explained_missing(comparison)]
    else:
        baseline, followup, comparison = outcomes.baseline_outcome(ordered), None, None
        missing = [(m.text, outcomes.why_missing(baseline, m.item))
                   for m in outcomes.missing_inputs(baseline, as_followup=False)] if baseline else []
    with_data = [o for o in ordered if o.has_any_data]
    compared = [baseline, followup]
    haq_gaps = [f"HAQ-DI at {o.label}: {', '.join(HAQ_CATEGORY_LABELS[c] for c in o.haq.missing_categories)} "
                "not answered" for o in compared if o and o.haq and o.haq.missing_categories]
    conventions = [comparison.criss.convention, comparison.rcriss.convention] if comparison else []
    conventions += [HAQ_CONVENTION, MRSS_CONVENTION,
                    "MCID flags (never part of a score): mRSS 5 points, FVC 3.0 percentage points, "
                    "HAQ-DI 0.14; none published for the globals. VAS 0-100 shown with the classic 0-3 "
                    "reading (x 0.03)."]
    return {
        "patient": patient, "site": patient.site, "now": now or utcnow(),
        "baseline": visit_dates(baseline, patient.timezone), "followup": visit_dates(followup, patient.timezone),
        "baseline_outcome": baseline, "followup_outcome": followup, "comparison": comparison,
        "signature": signer(followup.visit_id if followup else None),
        "result": result_summary(comparison),
        "core_rows": core_rows(baseline, followup, comparison),
        "haq_rows": haq_rows(compared),
        "haq_totals": [(o.haq.haq_di if o and o.haq else None, o.haq.haq_di_without_aids if o and o.haq else None)
                       for o in compared],
        "vas_rows": vas_rows(compared),
        "other_aids": other_aids(compared),
        "body_maps": [m for m in (body_map(baseline), body_map(followup)) if m],
        "charts": trend_charts(with_data, baseline) if with_data else [],
        "chart_visits": len(with_data),
        "missing": missing, "haq_gaps": haq_gaps,
        "corrected": [o.label for o in compared if o and o.corrected_items],
        "fvc_equations": [(o.label, o.fvc_equation) for o in compared if o and o.fvc_equation],
        "fvc_equation_changed": comparison.fvc_equation_changed if comparison else False,
        "fvc_decline_suggested": bool(comparison and comparison.fvc_decline_suggested
                                      and comparison.followup.step1.fvc_decline is not True),
        "instruments": instrument_rows(compared),
        "unvalidated": unvalidated_translations(compared),
        "conventions": conventions, "citations": CITATIONS,
        "next_visit": next((o for o in ordered if baseline and o.target_date > baseline.target_date
                            and not o.has_any_data), None) if not pair else None,
    }


def filename_date(now: datetime | date) -> str:
    return now.strftime("%Y%m%d")
