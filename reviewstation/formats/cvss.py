"""A CVSS v4.0 score as FIRST's JSON schema spells it (https://www.first.org/cvss/cvss-v4.0.json,
revision 20240216), the object CSAF 2.1's ``cvss_v4``, CVE 5.x's ``cvssV4_0`` and SARIF property
bags carry.

``baseScore`` is CVSS-B (base metrics alone). ``threatScore`` is CVSS-BT, given when the vector
sets a threat metric. ``environmentalScore`` is the vector's score with its environmental
metrics: CVSS-BE, or CVSS-BTE when it also sets a threat metric (as in CVSS v3, where the
environmental score includes the temporal metrics). Each score has its severity beside it, in
the schema's capitals. Metric properties are given for the metrics the vector sets.
"""

from __future__ import annotations

from typing import Any

from reviewstation.findings.scoring import Score

_CIA = {"H": "HIGH", "L": "LOW", "N": "NONE"}
_SUB = {"H": "HIGH", "L": "LOW", "N": "NEGLIGIBLE"}
_SAFETY = {**_SUB, "S": "SAFETY"}
_REQ = {"H": "HIGH", "M": "MEDIUM", "L": "LOW"}
_AV = {"N": "NETWORK", "A": "ADJACENT", "L": "LOCAL", "P": "PHYSICAL"}
_AC = {"L": "LOW", "H": "HIGH"}
_AT = {"N": "NONE", "P": "PRESENT"}
_PR = {"N": "NONE", "L": "LOW", "H": "HIGH"}
_UI = {"N": "NONE", "P": "PASSIVE", "A": "ACTIVE"}
# metric abbreviation -> (schema property, value names)
METRICS: dict[str, tuple[str, dict[str, str]]] = {
    "AV": ("attackVector", _AV),
    "AC": ("attackComplexity", _AC),
    "AT": ("attackRequirements", _AT),
    "PR": ("privilegesRequired", _PR),
    "UI": ("userInteraction", _UI),
    "VC": ("vulnConfidentialityImpact", _CIA),
    "VI": ("vulnIntegrityImpact", _CIA),
    "VA": ("vulnAvailabilityImpact", _CIA),
    "SC": ("subConfidentialityImpact", _CIA),
    "SI": ("subIntegrityImpact", _CIA),
    "SA": ("subAvailabilityImpact", _CIA),
    "E": ("exploitMaturity", {"A": "ATTACKED", "P": "PROOF_OF_CONCEPT", "U": "UNREPORTED"}),
    "CR": ("confidentialityRequirement", _REQ),
    "IR": ("integrityRequirement", _REQ),
    "AR": ("availabilityRequirement", _REQ),
    "MAV": ("modifiedAttackVector", _AV),
    "MAC": ("modifiedAttackComplexity", _AC),
    "MAT": ("modifiedAttackRequirements", _AT),
    "MPR": ("modifiedPrivilegesRequired", _PR),
    "MUI": ("modifiedUserInteraction", _UI),
    "MVC": ("modifiedVulnConfidentialityImpact", _CIA),
    "MVI": ("modifiedVulnIntegrityImpact", _CIA),
    "MVA": ("modifiedVulnAvailabilityImpact", _CIA),
    "MSC": ("modifiedSubConfidentialityImpact", _SUB),
    "MSI": ("modifiedSubIntegrityImpact", _SAFETY),
    "MSA": ("modifiedSubAvailabilityImpact", _SAFETY),
    "S": ("Safety", {"N": "NEGLIGIBLE", "P": "PRESENT"}),
    "AU": ("Automatable", {"N": "NO", "Y": "YES"}),
    "R": ("Recovery", {"A": "AUTOMATIC", "U": "USER", "I": "IRRECOVERABLE"}),
    "V": ("valueDensity", {"D": "DIFFUSE", "C": "CONCENTRATED"}),
    "RE": ("vulnerabilityResponseEffort", {"L": "LOW", "M": "MODERATE", "H": "HIGH"}),
    "U": (
        "providerUrgency",
        {"Clear": "CLEAR", "Green": "GREEN", "Amber": "AMBER", "Red": "RED"},
    ),
}


def cvss_v4_object(score: Score, *, metrics: bool = True) -> dict[str, Any]:
    """The FIRST-schema object of a score. ``metrics=False`` leaves out the metric
    properties (the vector string carries them all)."""
    out: dict[str, Any] = {"version": "4.0", "vectorString": score.vector}
    if metrics:
        for part in score.vector.split("/")[1:]:
            name, _, value = part.partition(":")
            prop, values = METRICS[name]
            out[prop] = values[value]
    out["baseScore"] = score.base.score
    out["baseSeverity"] = score.base.severity.upper()
    if score.threat is not None:
        out["threatScore"] = score.threat.score
        out["threatSeverity"] = score.threat.severity.upper()
    if score.environmental is not None:
        out["environmentalScore"] = score.environmental.score
        out["environmentalSeverity"] = score.environmental.severity.upper()
    return out
