"""`companion report ID --format fhir`: the vitals as an HL7 FHIR R4 Bundle (type
collection) of vital-sign Observations with their LOINC codes, for a clinic's record system.

Built as plain dictionaries (no FHIR library at run time); the tests validate the bundle
with the `fhir.resources` package. The patient is named by its code only, as an identifier:
Companion never holds a name. Values outside the protocol's limits carry the interpretation
H or L; a check's comment is a note on each of its observations.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from companion.record.summary import Summary

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
PATIENT_SYSTEM = "urn:companion:patient-code"  # the clinic's own codes; no other identity
CODES: dict[str, tuple[str, str, str, str]] = {  # sign -> LOINC code, display, unit, UCUM code
    "systolic": ("8480-6", "Systolic blood pressure", "mmHg", "mm[Hg]"),
    "diastolic": ("8462-4", "Diastolic blood pressure", "mmHg", "mm[Hg]"),
    "heart_rate": ("8867-4", "Heart rate", "/min", "/min"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%"),
    "respiratory_rate": ("9279-1", "Respiratory rate", "/min", "/min"),
}
NAMESPACE = uuid.UUID("6f1c1d1e-3a52-4c55-9a53-2f7b3c0e6a10")  # stable ids for one record


def render_fhir(summary: Summary) -> str:
    return json.dumps(fhir_bundle(summary), indent=2, ensure_ascii=False) + "\n"


def fhir_bundle(summary: Summary) -> dict[str, Any]:
    clinical = summary.clinical
    entries = []
    for index, check in enumerate(clinical.checks):
        when = _when(summary, check.wall, check.time)
        for sign, (code, display, unit, ucum) in CODES.items():
            value = check.get(sign)
            if value is None:
                continue
            resource: dict[str, Any] = {
                "resourceType": "Observation",
                "id": f"check{index + 1}-{code}",
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {"system": CATEGORY, "code": "vital-signs", "display": "Vital Signs"}
                        ]
                    }
                ],
                "code": {
                    "coding": [{"system": LOINC, "code": code, "display": display}],
                    "text": display,
                },
                "effectiveDateTime": when,
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum},
            }
            if summary.patient:
                resource["subject"] = {
                    "identifier": {"system": PATIENT_SYSTEM, "value": summary.patient}
                }
            side = check.flags.get(sign)
            if side:
                letter = "L" if side == "low" else "H"
                resource["interpretation"] = [
                    {
                        "coding": [
                            {
                                "system": INTERPRETATION,
                                "code": letter,
                                "display": "Low" if letter == "L" else "High",
                            }
                        ]
                    }
                ]
            if check.comment:
                resource["note"] = [{"text": check.comment}]
            url = uuid.uuid5(NAMESPACE, f"{summary.record_id}/{index}/{code}")
            entries.append({"fullUrl": f"urn:uuid:{url}", "resource": resource})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, summary.record_id)),
        "type": "collection",
        "entry": entries,
    }
    if summary.started is not None:
        bundle["timestamp"] = summary.started.astimezone(summary.zone).isoformat(timespec="seconds")
    return bundle


def _when(summary: Summary, wall: float | None, session_time: float) -> str:
    if wall is not None:
        moment = datetime.fromtimestamp(wall, summary.zone)
    elif summary.started is not None:
        moment = summary.started.astimezone(summary.zone) + timedelta(seconds=session_time)
    else:
        moment = datetime.fromtimestamp(0, summary.zone)
    return moment.isoformat(timespec="seconds")
