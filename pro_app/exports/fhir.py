"""HL7 FHIR R4 (4.0.1) resources: Questionnaire, QuestionnaireResponse, Observation, Patient and CodeSystem.

Built as plain JSON-ready dicts from the questionnaire content (`pro_app.instruments`) and a `Batch` (answers and
the scores of `pro_app.outcomes`). A site's export is one *transaction* Bundle: every entry is a `PUT` with a
stable id (a UUID derived from FHIR_BASE_URL and our record), so importing the same export twice updates rather
than duplicates, and references inside the bundle use the entries' `urn:uuid:` full URLs.

Codes: LOINC where a code exists and was checked (HAQ panel 71950-0, HAQ-DI total 75874-8, FVC measured/predicted
19872-1); everything else from our own CodeSystem `<FHIR_BASE_URL>/CodeSystem/sscore-scores` (in the bundle, and
listed in README.md, section Getting data out. Patients carry only their pseudonym unless contacts are explicitly included.
"""
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime

from ..outcomes import Comparison, VisitOutcome
from ..scoring import HAQ_CATEGORIES, THRESHOLDS, vas_to_03
from ..scoring.criss import STEP1_EVENTS
from ..scoring.mrss import MRSS_SITES
from .batches import Batch, ResponseRecord
from .columns import SHAQ_ITEMS
from .tables import comparisons_for

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
HL7_EXT = "http://hl7.org/fhir/StructureDefinition/"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
V3_OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

# LOINC codes, each checked against published FHIR material (see README.md, section Getting data out for the sources).
LOINC_HAQ_PANEL = ("71950-0", "Health Assessment Questionnaire [HAQ]")
LOINC_HAQ_DI = ("75874-8", "Total score [HAQ-DI]")
LOINC_FVC_PCT = ("19872-1", "FVC measured/predicted")  # not 19926-5, which is FEV1/FVC

SCORE_SYSTEM_NAME = "sscore-scores"
_SCORE_CONCEPTS: list[tuple[str, str, str]] = [
    ("haq-di", "HAQ Disability Index", "HAQ-DI, standard scoring with aids and help, 0-3, 3 decimals; also coded "
     "LOINC 75874-8."),
    ("haq-di-without-aids", "HAQ-DI without aids", "HAQ-DI ignoring aids, devices and help, 0-3."),
    ("haq-categories-answered", "HAQ-DI categories answered", "Number of the 8 categories answered (0-8)."),
    *[(f"haq-{c}", f"HAQ-DI category {c}", f"Category score '{c}' after aids and help, 0-3.")
      for c in HAQ_CATEGORIES],
    ("pt-global", "Patient global assessment", "Patient global assessment, numeric rating scale 0-10."),
    ("haq-pain-vas", "HAQ pain VAS", "HAQ pain visual analogue scale, 0-100."),
    *[(f"shaq-{i.replace('_', '-')}-vas", f"Scleroderma-HAQ VAS {i}", f"Scleroderma-HAQ VAS '{i}', 0-100.")
      for i in SHAQ_ITEMS],
    ("vas-0-3", "VAS on the 0-3 scale", "A 0-100 VAS value x 0.03 (the classic HAQ 0-3 reading)."),
    ("mrss", "Modified Rodnan skin score", "mRSS total of 17 sites, 0-51."),
    *[(f"mrss-{s.replace('_', '-')}", f"mRSS site {s}", f"mRSS site '{s}', 0-3.") for s in MRSS_SITES],
    ("fvc-pct", "FVC % predicted", "Forced vital capacity, percent of predicted; also coded LOINC 19872-1."),
    ("md-global", "Physician global assessment", "Physician global assessment, 0-10."),
    ("criss-step1", "ACR-CRISS Step-1 events", "Panel of the four clinician-adjudicated Step-1 events."),
    *[(f"step1-{e.replace('_', '-')}", f"Step-1 event {e}", f"New SSc-attributable {e} since baseline (yes/no).")
      for e in STEP1_EVENTS],
    ("acr-criss", "ACR-CRISS", "ACR Composite Response Index in SSc: predicted probability of improvement 0-1 "
     "between a baseline and a follow-up visit (Khanna et al. 2016)."),
    ("criss-linear-predictor", "ACR-CRISS linear predictor", "The linear predictor L of the ACR-CRISS model."),
    ("criss-improved", "ACR-CRISS improved", "True when the ACR-CRISS probability is 0.60 or more."),
    ("criss-step1-met", "ACR-CRISS Step 1 met", "True when a Step-1 event made the patient not improved."),
    ("revised-criss", "Revised CRISS", "Revised CRISS responder status at thresholds of 20-60 % (Khanna et al. "
     "2021); one component per threshold."),
    *[(f"rcriss-{x}", f"Revised CRISS responder at {x} %", f"Responder at the {x} % threshold.") for x in THRESHOLDS],
]
SCORE_CODES = {code for code, _, _ in _SCORE_CONCEPTS}
_SCORE_DISPLAY = {code: display for code, display, _ in _SCORE_CONCEPTS}


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _quantity(value: float, unit: str, code: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


SCORE_UNIT = ("{score}", "{score}")
ABSENT_UNKNOWN = {"coding": [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}]}


class FhirBuilder:
    """Resources for one deployment: `base` is FHIR_BASE_URL, the root of every canonical URL and id we mint."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.score_system = f"{self.base}/CodeSystem/{SCORE_SYSTEM_NAME}"
        self._items: dict[tuple[str, str], list[dict]] = {}  # questionnaire items, built once per instrument

    # --- names ---
    def ext(self, name: str) -> str:
        return f"{self.base}/StructureDefinition/{name}"

    def rid(self, resource_type: str, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.base}/{resource_type}/{key}"))

    def ref(self, resource_type: str, key: str) -> dict:
        return {"reference": f"urn:uuid:{self.rid(resource_type, key)}"}

    def entry(self, resource: dict) -> dict:
        kind, rid = resource["resourceType"], resource["id"]
        return {"fullUrl": f"urn:uuid:{rid}", "resource": resource,
                "request": {"method": "PUT", "url": f"{kind}/{rid}"}}

    def questionnaire_url(self, code: str) -> str:
        return f"{self.base}/Questionnaire/{code}"

    def options_system(self, instrument_code: str) -> str:
        return f"{self.base}/CodeSystem/{instrument_code}-options"

    def score(self, code: str) -> dict:
        return {"system": self.score_system, "code": code, "display": _SCORE_DISPLAY[code]}

    # --- terminology ---
    def score_code_system(self) -> dict:
        return {
            "resourceType": "CodeSystem", "id": self.rid("CodeSystem", SCORE_SYSTEM_NAME), "url": self.score_system,
            "version": "1", "name": "SScoreScores", "title": "SScore PRO scores", "status": "active",
            "publisher": "SScore PRO", "caseSensitive": True, "content": "complete", "count": len(_SCORE_CONCEPTS),
            "description": "Scores computed by SScore PRO that have no LOINC code; rules in README.md, section Scoring.",
            "concept": [{"code": c, "display": d, "definition": text} for c, d, text in _SCORE_CONCEPTS],
        }

    def options_code_system(self, instrument) -> dict | None:
        """The answer options of an instrument's choice items (HAQ-DI: 0-3), with their translations."""
        values = sorted({v for item in instrument.items if item.kind == "choice" for v in item.values})
        if not values:
            return None
        en = instrument.translation("en")
        concepts = []
        for value in values:
            concept = {"code": str(value), "display": en[f"option.{value}"]}
            designations = [{"language": lang, "value": t[f"option.{value}"]}
                            for lang, t in instrument.translations.items() if lang != "en" and t.get(f"option.{value}")]
            if designations:
                concept["designation"] = designations
            concepts.append(concept)
        return {
            "resourceType": "CodeSystem", "id": self.rid("CodeSystem", f"{instrument.code}-options"),
            "url": self.options_system(instrument.code), "version": instrument.version,
            "name": f"SScore{instrument.code.title().replace('_', '')}Options",
            "title": f"{en['name']}: answer options", "status": "active", "publisher": "SScore PRO",
            "caseSensitive": True, "content": "complete", "count": len(concepts), "concept": concepts,
        }

    # --- questionnaires ---
    def _text(self, instrument, key: str) -> dict:
        """{"text": English, "_text": translations} for a text key of the instrument."""
        out = {"text": instrument.translation("en")[key]}
        translations = [
            {"url": HL7_EXT + "translation", "extension": [{"url": "lang", "valueCode": lang},
                                                          {"url": "content", "valueString": t[key]}]}
            for lang, t in instrument.translations.items() if lang != "en" and t.get(key)
        ]
        if translations:
            out["_text"] = {"extension": translations}
        return out

    def _anchors(self, instrument, item) -> list[dict]:
        anchors = []
        for end, control in (("min", "lower"), ("max", "upper")):
            key = f"item.{item.code}.{end}"
            if instrument.translation("en").get(key):
                anchors.append({
                    "linkId": f"{item.code}-{control}", "type": "display", **self._text(instrument, key),
                    "extension": [{"url": HL7_EXT + "questionnaire-itemControl", "valueCodeableConcept": {
                        "coding": [{"system": ITEM_CONTROL, "code": control}]}}],
                })
        return anchors

    def _question(self, instrument, item) -> dict:
        node = {"linkId": item.code, **self._text(instrument, f"item.{item.code}"), "required": False}
        if item.kind == "choice":
            system = self.options_system(instrument.code)
            node["type"] = "choice"
            node["answerOption"] = [{"valueCoding": {
                "system": system, "code": str(v), "display": instrument.translation("en")[f"option.{v}"],
                "extension": [{"url": HL7_EXT + "ordinalValue", "valueDecimal": v}]}} for v in item.values]
            return node
        node["type"] = "integer"
        node["extension"] = [{"url": HL7_EXT + "minValue", "valueInteger": item.minimum},
                             {"url": HL7_EXT + "maxValue", "valueInteger": item.maximum}]
        if item.kind == "vas":
            node["extension"] += [
                {"url": HL7_EXT + "questionnaire-itemControl", "valueCodeableConcept": {
                    "coding": [{"system": ITEM_CONTROL, "code": "slider"}]}},
                {"url": HL7_EXT + "questionnaire-sliderStepValue", "valueInteger": 1},
            ]
        anchors = self._anchors(instrument, item)
        if anchors:
            node["item"] = anchors
        return node

    def _page_nodes(self, instrument, page) -> list[dict]:
        """The page's items in screen order: questions, aids (with a legend), the 'other' aid, help."""
        nodes = [self._question(instrument, item) for item in page.items]
        text = instrument.translation("en")
        if page.aids or page.other_aid:
            legend = "aids.legend_other" if page.other_aid and not page.aids else "aids.legend"
            nodes.append({"linkId": f"{page.key}-aids-legend", "type": "display", **self._text(instrument, legend)})
            nodes += [{"linkId": f"aid_{aid}", "type": "boolean", **self._text(instrument, f"aid.{aid}"),
                       "required": False} for aid in page.aids]
        if page.other_aid:
            nodes.append({"linkId": "aid_other", "type": "boolean", **self._text(instrument, "aid.other"),
                          "required": False})
            nodes.append({"linkId": "aid_other_text", "type": "string", **self._text(instrument, "aid.other.text"),
                          "required": False, "enableWhen": [{"question": "aid_other", "operator": "=",
                                                             "answerBoolean": True}]})
        if page.help_category and text.get("help.legend"):
            nodes.append({"linkId": f"{page.key}-help-legend", "type": "display",
                          **self._text(instrument, "help.legend")})
            nodes.append({"linkId": f"help_{page.help_category}", "type": "boolean",
                          **self._text(instrument, f"help.{page.help_category}"), "required": False})
        return nodes

    @staticmethod
    def _grouped(page) -> bool:
        return len(page.item_codes) + len(page.checkbox_codes) > 1

    def questionnaire_items(self, instrument) -> list[dict]:
        key = (instrument.code, instrument.version)
        if key not in self._items:
            self._items[key] = self._build_items(instrument)
        return self._items[key]

    def _build_items(self, instrument) -> list[dict]:
        items = []
        for page in instrument.pages:
            nodes = self._page_nodes(instrument, page)
            if self._grouped(page):
                items.append({"linkId": f"page-{page.key}", "type": "group",
                              **self._text(instrument, f"page.{page.key}"), "item": nodes})
            else:
                items.extend(nodes)
        return items

    def questionnaire(self, instrument) -> dict:
        en = instrument.translation("en")
        description = instrument.citation
        if instrument.adaptations:
            description += "\n\nAdapted for screens:\n" + "\n".join(f"* {a}" for a in instrument.adaptations)
        resource = {
            "resourceType": "Questionnaire", "id": self.rid("Questionnaire", f"{instrument.code}|{instrument.version}"),
            "url": self.questionnaire_url(instrument.code), "version": instrument.version,
            "name": "SScore" + "".join(part.title() for part in instrument.code.split("_")),
            "title": en["name"], "status": "active", "subjectType": ["Patient"], "language": "en",
            "publisher": "SScore PRO", "description": description, "copyright": instrument.licence,
            "extension": [
                {"url": self.ext("translation-status"), "extension": [
                    {"url": "language", "valueCode": lang}, {"url": "validated", "valueBoolean": t.validated},
                    {"url": "source", "valueString": t.source}]}
                for lang, t in instrument.translations.items()
            ],
            "item": self.questionnaire_items(instrument),
        }
        if instrument.loinc.get("panel") == LOINC_HAQ_PANEL[0]:
            resource["code"] = [{"system": LOINC, "code": LOINC_HAQ_PANEL[0], "display": LOINC_HAQ_PANEL[1]}]
        return resource

    def definitions(self) -> list[dict]:
        """The CodeSystems and Questionnaires every bundle carries."""
        from ..instruments import INSTRUMENTS

        resources = [self.score_code_system()]
        for instrument in INSTRUMENTS.values():
            options = self.options_code_system(instrument)
            if options:
                resources.append(options)
        resources += [self.questionnaire(instrument) for instrument in INSTRUMENTS.values()]
        return resources

    # --- patients and their answers ---
    def patient(self, patient, include_contacts: bool = False) -> dict:
        resource = {"resourceType": "Patient", "id": self.rid("Patient", str(patient.id)),
                    "identifier": [{"system": f"{self.base}/sid/study-id", "value": patient.study_id}]}
        if include_contacts:
            telecom = []
            if patient.email:
                telecom.append({"system": "email", "value": patient.email, "use": "home"})
            if patient.phone:
                telecom.append({"system": "phone", "value": patient.phone, "use": "mobile"})
            if telecom:
                resource["telecom"] = telecom
        return resource

    def _visit_ext(self, visit) -> dict:
        return {"url": self.ext("visit"), "valueString": visit.code}

    def _answer(self, instrument_code: str, question: dict, record) -> dict | None:
        if question["type"] == "choice":
            option = next((o["valueCoding"] for o in question["answerOption"]
                           if o["valueCoding"]["code"] == str(record.value)), None)
            if option is None:
                return {"valueInteger": record.value}  # a value the current version does not offer: kept as is
            return {"valueCoding": {k: option[k] for k in ("system", "code", "display")}}
        if question["type"] == "boolean":
            return {"valueBoolean": bool(record.value)}
        return {"valueInteger": record.value}

    def _response_item(self, instrument_code: str, node: dict, answers: dict) -> dict | None:
        link = node["linkId"]
        if node["type"] == "display":
            return None
        if node["type"] == "group":
            children = [c for c in (self._response_item(instrument_code, n, answers) for n in node["item"]) if c]
            return {"linkId": link, "item": children} if children else None
        if link == "aid_other_text":
            other = answers.get("aid_other")
            if other is None or not other.text:
                return None
            return {"linkId": link, "answer": [{"valueString": other.text}]}
        record = answers.get(link)
        if record is None:
            return None  # never shown or never answered: no item (FHIR: absent)
        item: dict = {"linkId": link}
        if record.skipped:
            item["extension"] = [{"url": HL7_EXT + "data-absent-reason", "valueCode": "asked-declined"}]
        elif record.value is not None:
            item["answer"] = [self._answer(instrument_code, node, record)]
        if record.corrected_at is not None:
            original = [{"url": "correctedAt", "valueDateTime": _instant(record.corrected_at)}]
            if record.original_skipped:
                original.append({"url": "skipped", "valueBoolean": True})
            elif record.original_value is not None:
                original.append({"url": "value", "valueInteger": record.original_value})
            item.setdefault("extension", []).append({"url": self.ext("original-answer"), "extension": original})
        return item

    def questionnaire_response(self, response: ResponseRecord, patient, visit, validated: bool | None) -> dict:
        from ..instruments import INSTRUMENTS

        instrument = INSTRUMENTS.get(response.instrument)
        answers = {answer.item: answer for answer in response.answers}
        items: list[dict] = []
        known: set[str] = set()
        if instrument is not None:
            for node in self.questionnaire_items(instrument):
                built = self._response_item(response.instrument, node, answers)
                if built:
                    items.append(built)
            known = set(instrument.stored_codes)
        for answer in response.answers:  # codes this version does not know: kept, not dropped
            if answer.item not in known:
                unknown = {"linkId": answer.item}
                if answer.skipped:
                    unknown["extension"] = [{"url": HL7_EXT + "data-absent-reason", "valueCode": "asked-declined"}]
                elif answer.value is not None:
                    unknown["answer"] = [{"valueInteger": answer.value}]
                items.append(unknown)
        extensions = [self._visit_ext(visit)]
        if validated is not None:
            extensions.append({"url": self.ext("translation-validated"), "valueBoolean": validated})
        resource = {
            "resourceType": "QuestionnaireResponse", "id": self.rid("QuestionnaireResponse", str(response.id)),
            "extension": extensions,
            "identifier": {"system": f"{self.base}/sid/questionnaire-response", "value": str(response.id)},
            "questionnaire": f"{self.questionnaire_url(response.instrument)}|{response.version}",
            "status": "amended" if response.corrected else "completed",
            "subject": self.ref("Patient", str(patient.id)), "language": response.language, "item": items,
        }
        if response.submitted_at:
            resource["authored"] = _instant(response.submitted_at)
        return resource

    # --- scores ---
    def _observation(self, key: str, code: list[dict], patient, category: str | None, effective: str | None,
                     status: str = "final", **fields) -> dict:
        resource = {"resourceType": "Observation", "id": self.rid("Observation", key), "status": status}
        if category:
            resource["category"] = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}]
        resource["code"] = {"coding": code}
        resource["subject"] = self.ref("Patient", str(patient.id))
        if effective:
            resource["effectiveDateTime"] = effective
        resource.update(fields)
        return resource

    def visit_observations(self, outcome: VisitOutcome, patient, visit, responses: list[ResponseRecord],
                           assessed_on: date | None) -> list[dict]:
        """One Observation per score of one visit; scores that are not computable are left out."""
        by_instrument = {r.instrument: r for r in responses}
        key = f"visit-{visit.id}"
        observations = []

        def patient_reported(instrument: str) -> dict:
            """Effective time, provenance and status of a score from one questionnaire."""
            response = by_instrument.get(instrument)
            if response is None:
                return {"effective": None}
            return {"effective": _instant(response.submitted_at) if response.submitted_at else None,
                    "status": "amended" if response.corrected else "final",
                    "derivedFrom": [self.ref("QuestionnaireResponse", str(response.id))]}

        visit_ext = {"extension": [self._visit_ext(visit)]}
        haq = outcome.haq
        if haq and haq.computable:
            components = [{"code": {"coding": [self.score("haq-di-without-aids")]},
                           "valueQuantity": _quantity(haq.haq_di_without_aids, *SCORE_UNIT)},
                          {"code": {"coding": [self.score("haq-categories-answered")]},
                           "valueInteger": haq.categories_answered}]
            components += [{"code": {"coding": [self.score(f"haq-{c}")]}, "valueInteger": haq.categories[c]}
                           for c in HAQ_CATEGORIES if haq.categories[c] is not None]
            observations.append(self._observation(
                f"{key}-haq-di", [{"system": LOINC, "code": LOINC_HAQ_DI[0], "display": LOINC_HAQ_DI[1]},
                                  self.score("haq-di")], patient, "survey", **patient_reported("haq"), **visit_ext,
                valueQuantity=_quantity(haq.haq_di, *SCORE_UNIT), component=components))
        if outcome.pt_global is not None:
            observations.append(self._observation(
                f"{key}-pt-global", [self.score("pt-global")], patient, "survey", **patient_reported("pt_global"),
                **visit_ext, valueInteger=outcome.pt_global))
        vas = [("haq-pain-vas", "haq", outcome.pain)] + [
            (f"shaq-{item.replace('_', '-')}-vas", "shaq", outcome.shaq.get(item)) for item in SHAQ_ITEMS]
        for code, instrument, value in vas:
            if value is None:
                continue
            observations.append(self._observation(
                f"{key}-{code}", [self.score(code)], patient, "survey", **patient_reported(instrument), **visit_ext,
                valueInteger=value, component=[{"code": {"coding": [self.score("vas-0-3")]},
                                                "valueQuantity": _quantity(vas_to_03(value), *SCORE_UNIT)}]))
        if not outcome.has_assessment:
            return observations
        effective = (assessed_on or visit.target_date).isoformat()
        if outcome.mrss and outcome.mrss.computable:
            observations.append(self._observation(
                f"{key}-mrss", [self.score("mrss")], patient, "exam", effective, **visit_ext,
                valueInteger=outcome.mrss.mrss,
                component=[{"code": {"coding": [self.score(f"mrss-{s.replace('_', '-')}")]}, "valueInteger": v}
                           for s, v in outcome.mrss.sites.items()]))
        if outcome.fvc_pct is not None:
            fvc = self._observation(
                f"{key}-fvc-pct", [{"system": LOINC, "code": LOINC_FVC_PCT[0], "display": LOINC_FVC_PCT[1]},
                                   self.score("fvc-pct")], patient, "procedure", effective, **visit_ext,
                valueQuantity=_quantity(outcome.fvc_pct, "%", "%"))
            if outcome.fvc_equation:
                fvc["method"] = {"text": f"Predicted values: {outcome.fvc_equation}"}
            observations.append(fvc)
        if outcome.md_global is not None:
            observations.append(self._observation(
                f"{key}-md-global", [self.score("md-global")], patient, "exam", effective, **visit_ext,
                valueInteger=outcome.md_global))
        step1 = outcome.step1.to_dict()
        if any(value is not None for value in step1.values()):
            observations.append(self._observation(
                f"{key}-criss-step1", [self.score("criss-step1")], patient, "exam", effective, **visit_ext,
                component=[{"code": {"coding": [self.score(f"step1-{event.replace('_', '-')}")]},
                            **({"valueBoolean": value} if value is not None else {"dataAbsentReason": ABSENT_UNKNOWN})}
                           for event, value in step1.items()]))
        return observations

    def comparison_observations(self, comparison: Comparison, patient, present: set[str]) -> list[dict]:
        """`present`: ids of the visit Observations already built (the inputs this comparison derives from)."""
        """ACR-CRISS and revised CRISS between two visits; not computable is said (dataAbsentReason + note)."""
        baseline, followup = comparison.baseline, comparison.followup
        key = f"compare-{baseline.visit_id}-{followup.visit_id}"
        common = {
            "extension": [{"url": self.ext("baseline-visit"), "valueString": baseline.code},
                          {"url": self.ext("followup-visit"), "valueString": followup.code}],
            "effectivePeriod": {"start": baseline.target_date.isoformat(), "end": followup.target_date.isoformat()},
        }
        sources = [f"visit-{o.visit_id}-{code}" for o in (baseline, followup)
                   for code in ("haq-di", "pt-global", "mrss", "fvc-pct", "md-global")]
        sources.append(f"visit-{followup.visit_id}-criss-step1")
        derived = [self.ref("Observation", k) for k in sources if self.rid("Observation", k) in present]
        if derived:
            common["derivedFrom"] = derived
        missing_note = [{"text": "Not computable. Missing: " + "; ".join(m.text for m in comparison.missing)}]

        criss = comparison.criss.to_dict()
        criss_obs = self._observation(f"{key}-acr-criss", [self.score("acr-criss")], patient, None, None, **common)
        if criss["criss"] is not None:
            criss_obs["valueQuantity"] = _quantity(criss["criss"], "1", "1")
            components = [{"code": {"coding": [self.score("criss-improved")]}, "valueBoolean": criss["improved"]},
                          {"code": {"coding": [self.score("criss-step1-met")]}, "valueBoolean": criss["step1_met"]}]
            if criss["linear_predictor"] is not None:
                components.insert(0, {"code": {"coding": [self.score("criss-linear-predictor")]},
                                      "valueQuantity": _quantity(criss["linear_predictor"], "1", "1")})
            criss_obs["component"] = components
        else:
            criss_obs["dataAbsentReason"] = ABSENT_UNKNOWN
            criss_obs["note"] = missing_note

        rcriss = comparison.rcriss
        rcriss_obs = self._observation(f"{key}-revised-criss", [self.score("revised-criss")], patient, None, None,
                                       **common)
        if rcriss.responder is not None:
            rcriss_obs["component"] = [{"code": {"coding": [self.score(f"rcriss-{x}")]}, "valueBoolean": value}
                                       for x, value in rcriss.responder.items()]
        else:
            rcriss_obs["dataAbsentReason"] = ABSENT_UNKNOWN
            rcriss_obs["note"] = missing_note
        return [criss_obs, rcriss_obs]

    def batch_resources(self, batch: Batch, include_contacts: bool = False) -> Iterator[dict]:
        """Patient, QuestionnaireResponses and Observations of every patient of the batch, in that order."""
        from .tables import translation_validated

        for patient in batch.patients:
            yield self.patient(patient, include_contacts)
            present: set[str] = set()
            for visit in batch.visits[patient.id]:
                responses = batch.responses.get(visit.id, [])
                for response in responses:
                    yield self.questionnaire_response(
                        response, patient, visit, translation_validated(response.instrument, response.language))
                for observation in self.visit_observations(batch.outcomes[visit.id], patient, visit, responses,
                                                            batch.assessed_on.get(visit.id)):
                    present.add(observation["id"])
                    yield observation
            outcomes = [batch.outcomes[visit.id] for visit in batch.visits[patient.id]]
            for comparison in comparisons_for(outcomes):
                yield from self.comparison_observations(comparison, patient, present)


def bundle_header(include_contacts: bool, now: datetime | None = None) -> dict:
    bundle = {"resourceType": "Bundle", "type": "transaction", "timestamp": _instant(now or datetime.now(UTC))}
    if not include_contacts:
        bundle["meta"] = {"security": [{"system": V3_OBSERVATION_VALUE, "code": "PSEUDED",
                                        "display": "pseudonymized"}]}
    return bundle


def iter_entries(builder: FhirBuilder, batches: Iterable[Batch], include_contacts: bool) -> Iterator[dict]:
    for resource in builder.definitions():
        yield builder.entry(resource)
    for batch in batches:
        for resource in builder.batch_resources(batch, include_contacts):
            yield builder.entry(resource)


def bundle(builder: FhirBuilder, batches: Iterable[Batch], include_contacts: bool = False) -> dict:
    """The whole transaction Bundle in memory (the API and tests; files are streamed by `write_bundle`)."""
    return {**bundle_header(include_contacts), "entry": list(iter_entries(builder, batches, include_contacts))}


def code_system_markdown() -> str:
    lines = ["| code | display | definition |", "|---|---|---|"]
    lines += [f"| `{code}` | {display} | {definition} |" for code, display, definition in _SCORE_CONCEPTS]
    return "\n".join(lines)
