"""A subset of the CSAF 2.0 mandatory tests (section 6.1 of the standard).

Schema validity is necessary but not sufficient for a valid CSAF document; these tests check
what a JSON schema cannot: product ids defined once and before use, consistent product
status, revision history, and the VEX and security-advisory profiles. ``mandatory_problems``
takes any CSAF 2.0 document (a parsed dict) and returns the problems it finds, each naming the
test and a JSON pointer; an empty list means the implemented tests pass.

Implemented: 6.1.1-6.1.11 (6.1.8 by structure, 6.1.9 and 6.1.10 for CVSS v3, 6.1.11 for the
CWE names ReviewStation knows), 6.1.13-6.1.25, 6.1.27.1-6.1.27.11, 6.1.28-6.1.33.
Not implemented: 6.1.12 (needs the IANA language registry) and 6.1.26 beyond the exact
profile names (the standard's similarity rule).

``optional_problems`` runs a subset of the optional tests (section 6.2) that ReviewStation's
data can meet: 6.2.1-6.2.3, 6.2.7, 6.2.10, 6.2.13, 6.2.16-6.2.18. The full set is run by the
BSI/Secvisogram validator in the tests (tests/formats/test_formats_vex_identity.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cvss import CVSS3
from cvss.exceptions import CVSSError
from packageurl import PackageURL

from reviewstation.formats.common import CWE_NAMES, SEMVER

PROFILES = (
    "csaf_base",
    "csaf_security_incident_response",
    "csaf_informational_advisory",
    "csaf_security_advisory",
    "csaf_vex",
)
AFFECTED = ("first_affected", "known_affected", "last_affected")
NOT_AFFECTED = ("known_not_affected",)
FIXED = ("first_fixed", "fixed")
UNDER_INVESTIGATION = ("under_investigation",)
STATUS_GROUPS = (AFFECTED, NOT_AFFECTED, FIXED, UNDER_INVESTIGATION)
RANGE_INDICATORS = re.compile(
    r"<|>|\b(after|all|before|earlier|later|prior|versions)\b", re.IGNORECASE
)
V3_METRICS = {
    "AV": (
        "attackVector",
        {"N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL"},
    ),
    "AC": ("attackComplexity", {"L": "LOW", "H": "HIGH"}),
    "PR": ("privilegesRequired", {"N": "NONE", "L": "LOW", "H": "HIGH"}),
    "UI": ("userInteraction", {"N": "NONE", "R": "REQUIRED"}),
    "S": ("scope", {"U": "UNCHANGED", "C": "CHANGED"}),
    "C": ("confidentialityImpact", {"N": "NONE", "L": "LOW", "H": "HIGH"}),
    "I": ("integrityImpact", {"N": "NONE", "L": "LOW", "H": "HIGH"}),
    "A": ("availabilityImpact", {"N": "NONE", "L": "LOW", "H": "HIGH"}),
}


@dataclass(frozen=True)
class Problem:
    test: str  # e.g. "6.1.1"
    path: str  # JSON pointer into the document
    message: str


def _list(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def _dict(node: Any, key: str) -> dict[str, Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def _full_product_names(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every full product name in the product tree, with its JSON pointer."""
    tree = _dict(doc, "product_tree")

    def walk(branches: list[Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for i, branch in enumerate(branches):
            here = f"{path}/{i}"
            if isinstance(branch, dict) and isinstance(branch.get("product"), dict):
                yield f"{here}/product", branch["product"]
            yield from walk(_list(branch, "branches"), f"{here}/branches")

    yield from walk(_list(tree, "branches"), "/product_tree/branches")
    for i, full in enumerate(_list(tree, "full_product_names")):
        if isinstance(full, dict):
            yield f"/product_tree/full_product_names/{i}", full
    for i, relationship in enumerate(_list(tree, "relationships")):
        full = _dict(relationship, "full_product_name")
        if full:
            yield f"/product_tree/relationships/{i}/full_product_name", full


def _branches(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    def walk(branches: list[Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for i, branch in enumerate(branches):
            if isinstance(branch, dict):
                yield f"{path}/{i}", branch
                yield from walk(_list(branch, "branches"), f"{path}/{i}/branches")

    yield from walk(_list(_dict(doc, "product_tree"), "branches"), "/product_tree/branches")


def _product_refs(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every place that refers to a product id: (pointer, id)."""
    tree = _dict(doc, "product_tree")
    for i, group in enumerate(_list(tree, "product_groups")):
        for j, pid in enumerate(_list(group, "product_ids")):
            if isinstance(pid, str):
                yield f"/product_tree/product_groups/{i}/product_ids/{j}", pid
    for i, rel in enumerate(_list(tree, "relationships")):
        for key in ("product_reference", "relates_to_product_reference"):
            if isinstance(rel, dict) and isinstance(rel.get(key), str):
                yield f"/product_tree/relationships/{i}/{key}", rel[key]
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        base = f"/vulnerabilities/{v}"
        for status, pids in _dict(vuln, "product_status").items():
            for j, pid in enumerate(pids if isinstance(pids, list) else []):
                if isinstance(pid, str):
                    yield f"{base}/product_status/{status}/{j}", pid
        for key, field in (
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
        ):
            for i, item in enumerate(_list(vuln, key)):
                for j, pid in enumerate(_list(item, field)):
                    if isinstance(pid, str):
                        yield f"{base}/{key}/{i}/{field}/{j}", pid


def _group_refs(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        for key in ("remediations", "threats", "flags"):
            for i, item in enumerate(_list(vuln, key)):
                for j, gid in enumerate(_list(item, "group_ids")):
                    if isinstance(gid, str):
                        yield f"/vulnerabilities/{v}/{key}/{i}/group_ids/{j}", gid


def _group_members(doc: dict[str, Any]) -> dict[str, list[str]]:
    groups = _list(_dict(doc, "product_tree"), "product_groups")
    return {
        g["group_id"]: [p for p in _list(g, "product_ids") if isinstance(p, str)]
        for g in groups
        if isinstance(g, dict) and isinstance(g.get("group_id"), str)
    }


def _products_of(item: dict[str, Any], groups: dict[str, list[str]], field: str) -> set[str]:
    """The product ids an item names directly or through its groups."""
    out = {p for p in _list(item, field) if isinstance(p, str)}
    for gid in _list(item, "group_ids"):
        if isinstance(gid, str):
            out.update(groups.get(gid, []))
    return out


def _version_key(number: str) -> tuple[int, ...] | None:
    if re.fullmatch(r"0|[1-9]\d*", number):
        return (int(number),)
    match = SEMVER.match(number)
    if match:
        return (int(match.group(1)), int(match.group(2)), int(match.group(3)))
    return None


def _is_prerelease(number: str) -> bool:
    match = SEMVER.match(number)
    return bool(match and match.group(4))


def _revisions(doc: dict[str, Any]) -> list[dict[str, Any]]:
    tracking = _dict(_dict(doc, "document"), "tracking")
    return [r for r in _list(tracking, "revision_history") if isinstance(r, dict)]


# --- the tests -------------------------------------------------------------------------------


def _t_product_ids(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.1 missing definition, 6.1.2 multiple definition of product ids."""
    defined: dict[str, str] = {}
    for path, full in _full_product_names(doc):
        pid = full.get("product_id")
        if not isinstance(pid, str):
            continue
        if pid in defined:
            yield Problem(
                "6.1.2", f"{path}/product_id", f"product id {pid} is defined more than once"
            )
        defined.setdefault(pid, path)
    for path, pid in _product_refs(doc):
        if pid not in defined:
            yield Problem("6.1.1", path, f"product id {pid} is used but never defined")


def _t_circular(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.3 circular definition of product ids through relationships."""
    edges: dict[str, set[str]] = {}
    paths: dict[str, str] = {}
    for i, rel in enumerate(_list(_dict(doc, "product_tree"), "relationships")):
        pid = _dict(rel, "full_product_name").get("product_id")
        if not isinstance(pid, str) or not isinstance(rel, dict):
            continue
        refs = {rel.get("product_reference"), rel.get("relates_to_product_reference")}
        edges.setdefault(pid, set()).update(r for r in refs if isinstance(r, str))
        paths.setdefault(pid, f"/product_tree/relationships/{i}")
    for start in sorted(edges):
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node == start:
                yield Problem("6.1.3", paths[start], f"product id {start} depends on itself")
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))


def _t_groups(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.4 missing definition, 6.1.5 multiple definition of product group ids."""
    defined: set[str] = set()
    for i, group in enumerate(_list(_dict(doc, "product_tree"), "product_groups")):
        gid = group.get("group_id") if isinstance(group, dict) else None
        if isinstance(gid, str):
            if gid in defined:
                yield Problem(
                    "6.1.5",
                    f"/product_tree/product_groups/{i}/group_id",
                    f"product group {gid} is defined more than once",
                )
            defined.add(gid)
    for path, gid in _group_refs(doc):
        if gid not in defined:
            yield Problem("6.1.4", path, f"product group {gid} is used but never defined")


def _t_contradicting_status(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.6 a product in two contradicting product status groups."""
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        status = _dict(vuln, "product_status")
        owner: dict[str, int] = {}
        for index, group in enumerate(STATUS_GROUPS):
            for key in group:
                for pid in status.get(key, []) if isinstance(status.get(key), list) else []:
                    if isinstance(pid, str) and owner.setdefault(pid, index) != index:
                        yield Problem(
                            "6.1.6",
                            f"/vulnerabilities/{v}/product_status/{key}",
                            f"product {pid} has contradicting product status",
                        )


def _t_scores(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.7 one score per CVSS version per product; 6.1.8-6.1.10 CVSS v3 objects."""
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        seen: set[tuple[str, str]] = set()
        for s, score in enumerate(_list(vuln, "scores")):
            path = f"/vulnerabilities/{v}/scores/{s}"
            versions = [
                str(_dict(score, key).get("version"))
                for key in ("cvss_v2", "cvss_v3")
                if _dict(score, key)
            ]
            for pid in _list(score, "products"):
                for version in versions:
                    if (pid, version) in seen:
                        yield Problem("6.1.7", path, f"product {pid} has two CVSS {version} scores")
                    seen.add((pid, version))
            yield from _cvss3(_dict(score, "cvss_v3"), f"{path}/cvss_v3")


def _cvss3(cvss: dict[str, Any], path: str) -> Iterator[Problem]:
    if not cvss:
        return
    vector = cvss.get("vectorString")
    version = cvss.get("version")
    if not isinstance(vector, str) or version not in ("3.0", "3.1"):
        yield Problem("6.1.8", path, "the CVSS v3 object has no valid version or vector")
        return
    if not vector.startswith(f"CVSS:{version}/"):
        yield Problem("6.1.8", path, "the CVSS vector's version differs from the object's")
        return
    try:
        parsed = CVSS3(vector)
    except (CVSSError, ValueError, KeyError):
        yield Problem("6.1.8", f"{path}/vectorString", "the CVSS v3 vector is malformed")
        return
    # Each score under its own name: base from the base metrics, temporal with the temporal
    # metrics, environmental with all of them (a temporal score is never the base score).
    scores = parsed.scores()
    severities = parsed.severities()
    for n, name in enumerate(("base", "temporal", "environmental")):
        score, severity = f"{name}Score", f"{name}Severity"
        if (n == 0 or score in cvss) and cvss.get(score) != float(scores[n]):
            yield Problem("6.1.9", f"{path}/{score}", f"the vector gives {name} score {scores[n]}")
        wrong = str(cvss.get(severity, "")).upper() != severities[n].upper()
        if (n == 0 or severity in cvss) and wrong:
            yield Problem("6.1.9", f"{path}/{severity}", f"the {name} severity does not match")
    metrics = dict(part.split(":", 1) for part in vector.split("/")[1:] if ":" in part)
    for short, (name, values) in V3_METRICS.items():
        if name in cvss and values.get(metrics.get(short, "")) != cvss[name]:
            yield Problem("6.1.10", f"{path}/{name}", f"{name} contradicts the vector")


def _t_cwe(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.11 CWE: the name must be the catalogue's (checked for the CWEs we know)."""
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        cwe = _dict(vuln, "cwe")
        known = CWE_NAMES.get(str(cwe.get("id")))  # an unknown id cannot be checked here
        if cwe and known is not None and cwe.get("name") != known:
            yield Problem("6.1.11", f"/vulnerabilities/{v}/cwe/name", "the CWE name is wrong")


def _t_purl(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.13 purls must be valid package URLs."""
    for path, full in _full_product_names(doc):
        purl = _dict(full, "product_identification_helper").get("purl")
        if isinstance(purl, str):
            try:
                PackageURL.from_string(purl)
            except ValueError:
                yield Problem("6.1.13", f"{path}/product_identification_helper/purl", "bad purl")


def _strip_build(number: str, *, prerelease: bool) -> str:
    """A version without build metadata (and without its pre-release part if asked)."""
    number = number.split("+", 1)[0]
    return number.split("-", 1)[0] if prerelease else number


def _t_revision_history(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.14 sorted, 6.1.16 latest version, 6.1.17-6.1.22 and 6.1.30 revision rules."""
    tracking = _dict(_dict(doc, "document"), "tracking")
    status = tracking.get("status")
    version = str(tracking.get("version", ""))
    revisions = _revisions(doc)
    base = "/document/tracking"
    numbers = [str(r.get("number", "")) for r in revisions]
    keys = [_version_key(n) for n in numbers]
    version_key = _version_key(version)
    schemes = {len(k) for k in [*keys, version_key] if k is not None}
    if len(schemes) > 1:
        yield Problem("6.1.30", base, "integer and semantic versioning are mixed")
        return
    unreleased = version_key is not None and (version_key[0] == 0 or _is_prerelease(version))
    if unreleased and status != "draft":
        yield Problem("6.1.17", f"{base}/status", "version 0 or a pre-release must be a draft")
    if status in ("final", "interim") and _is_prerelease(version):
        yield Problem("6.1.20", f"{base}/version", "a released version has a pre-release part")
    for i, (number, key) in enumerate(zip(numbers, keys, strict=True)):
        path = f"{base}/revision_history/{i}/number"
        if status in ("final", "interim") and key is not None and key[0] == 0:
            yield Problem("6.1.18", path, "a released document lists version 0")
        if _is_prerelease(number):
            yield Problem("6.1.19", path, "the revision history lists a pre-release")
    if len(set(numbers)) != len(numbers):
        yield Problem("6.1.22", f"{base}/revision_history", "a revision number repeats")
    known = [k for k in keys if k is not None]
    if not known or len(known) != len(keys):
        return
    by_date = sorted(range(len(revisions)), key=lambda i: str(revisions[i].get("date", "")))
    if [keys[i] for i in by_date] != sorted(known):
        yield Problem("6.1.14", f"{base}/revision_history", "revisions are not sorted by number")
    draft = status == "draft"
    latest = _strip_build(numbers[by_date[-1]], prerelease=draft)
    if latest != _strip_build(version, prerelease=draft):
        yield Problem("6.1.16", f"{base}/version", f"the latest revision is {latest}")
    majors = sorted({k[0] for k in known})
    if majors[0] > 1 or majors != list(range(majors[0], majors[0] + len(majors))):
        yield Problem("6.1.21", f"{base}/revision_history", "a version is missing from the history")


def _t_translator(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.15 a translator's document names its source language; 6.1.28 which differs."""
    document = _dict(doc, "document")
    if _dict(document, "publisher").get("category") == "translator" and not document.get(
        "source_lang"
    ):
        yield Problem("6.1.15", "/document/source_lang", "a translation needs its source_lang")
    lang = document.get("lang")
    if lang and isinstance(lang, str) and lang.lower() == str(document.get("source_lang")).lower():
        yield Problem("6.1.28", "/document/lang", "lang and source_lang are the same")


def _t_repeats(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.23 same CVE twice, 6.1.24 same involvement twice, 6.1.25 same hash algorithm twice."""
    cves: set[str] = set()
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        cve = vuln.get("cve") if isinstance(vuln, dict) else None
        if isinstance(cve, str):
            if cve in cves:
                yield Problem("6.1.23", f"/vulnerabilities/{v}/cve", f"{cve} is used twice")
            cves.add(cve)
        parties: set[tuple[Any, Any]] = set()
        for i, involvement in enumerate(_list(vuln, "involvements")):
            if not isinstance(involvement, dict):
                continue
            key = (str(involvement.get("party")), str(involvement.get("date")))
            if key in parties:
                yield Problem(
                    "6.1.24",
                    f"/vulnerabilities/{v}/involvements/{i}",
                    "the same party and date are listed twice",
                )
            parties.add(key)
    for path, full in _full_product_names(doc):
        helper = _dict(full, "product_identification_helper")
        for h, item in enumerate(_list(helper, "hashes")):
            algorithms = [
                str(fh.get("algorithm"))
                for fh in _list(item, "file_hashes")
                if isinstance(fh, dict)
            ]
            if len(set(algorithms)) != len(algorithms):
                yield Problem(
                    "6.1.25",
                    f"{path}/product_identification_helper/hashes/{h}",
                    "a hash algorithm is used twice for one file",
                )


def _t_category(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.26 (partial): a category that spells a profile name differently is prohibited."""
    category = str(_dict(doc, "document").get("category", ""))
    folded = re.sub(r"[-_\s]", "", category.lower())
    for profile in PROFILES:
        if folded == profile.replace("_", "") and category != profile:
            yield Problem("6.1.26", "/document/category", f"write the category as {profile}")


def _t_profiles(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.27.1-6.1.27.11: what each profile requires."""
    document = _dict(doc, "document")
    category = document.get("category")
    vulns = _list(doc, "vulnerabilities")
    groups = _group_members(doc)
    if category in ("csaf_informational_advisory", "csaf_security_incident_response"):
        notes = [n.get("category") for n in _list(document, "notes") if isinstance(n, dict)]
        if not {"description", "details", "general", "summary"} & set(notes):
            yield Problem("6.1.27.1", "/document/notes", "the profile needs a summary-like note")
        refs = [r.get("category") for r in _list(document, "references") if isinstance(r, dict)]
        if "external" not in refs:
            yield Problem("6.1.27.2", "/document/references", "an external reference is needed")
    if category == "csaf_informational_advisory" and "vulnerabilities" in doc:
        yield Problem("6.1.27.3", "/vulnerabilities", "an informational advisory has none")
    if category not in ("csaf_security_advisory", "csaf_vex"):
        return
    if "product_tree" not in doc:
        yield Problem("6.1.27.4", "/product_tree", "the profile needs a product tree")
    if "vulnerabilities" not in doc:
        yield Problem("6.1.27.11", "/vulnerabilities", "the profile needs vulnerabilities")
    for v, vuln in enumerate(vulns):
        base = f"/vulnerabilities/{v}"
        if not _list(vuln, "notes"):
            yield Problem("6.1.27.5", f"{base}/notes", "each vulnerability needs notes")
        status = _dict(vuln, "product_status")
        if category == "csaf_security_advisory" and not status:
            yield Problem("6.1.27.6", f"{base}/product_status", "each needs a product status")
        if category != "csaf_vex":
            continue
        vex_keys = ("fixed", "known_affected", "known_not_affected", "under_investigation")
        if not any(status.get(k) for k in vex_keys):
            yield Problem("6.1.27.7", f"{base}/product_status", "no VEX product status")
        if not vuln.get("cve") and not _list(vuln, "ids"):
            yield Problem("6.1.27.8", base, "a VEX vulnerability needs a cve or ids")
        explained = set()
        for flag in _list(vuln, "flags"):
            explained |= _products_of(flag, groups, "product_ids")
        for threat in _list(vuln, "threats"):
            if isinstance(threat, dict) and threat.get("category") == "impact":
                explained |= _products_of(threat, groups, "product_ids")
        for pid in _list(status, "known_not_affected"):
            if isinstance(pid, str) and pid not in explained:
                yield Problem(
                    "6.1.27.9",
                    f"{base}/product_status/known_not_affected",
                    f"product {pid} is not affected without an impact statement",
                )
        remedied = set()
        for remediation in _list(vuln, "remediations"):
            remedied |= _products_of(remediation, groups, "product_ids")
        for pid in _list(status, "known_affected"):
            if isinstance(pid, str) and pid not in remedied:
                yield Problem(
                    "6.1.27.10",
                    f"{base}/product_status/known_affected",
                    f"product {pid} is affected without an action statement",
                )


def _t_references(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.29 remediations and 6.1.32 flags must name products; 6.1.33 one flag per product."""
    groups = _group_members(doc)
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        base = f"/vulnerabilities/{v}"
        for i, remediation in enumerate(_list(vuln, "remediations")):
            if not _list(remediation, "product_ids") and not _list(remediation, "group_ids"):
                yield Problem("6.1.29", f"{base}/remediations/{i}", "names no product")
        flagged: set[str] = set()
        for i, flag in enumerate(_list(vuln, "flags")):
            if not _list(flag, "product_ids") and not _list(flag, "group_ids"):
                yield Problem("6.1.32", f"{base}/flags/{i}", "names no product")
            pids = _products_of(flag, groups, "product_ids")
            for pid in sorted(pids & flagged):
                yield Problem("6.1.33", f"{base}/flags/{i}", f"product {pid} has two flags")
            flagged |= pids


def _t_version_range(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.1.31 a product_version branch must not name a range."""
    for path, branch in _branches(doc):
        name = branch.get("name")
        if (
            branch.get("category") == "product_version"
            and isinstance(name, str)
            and RANGE_INDICATORS.search(name)
        ):
            yield Problem("6.1.31", f"{path}/name", "a product_version names a range")


TESTS = (
    _t_product_ids,
    _t_circular,
    _t_groups,
    _t_contradicting_status,
    _t_scores,
    _t_cwe,
    _t_purl,
    _t_revision_history,
    _t_translator,
    _t_repeats,
    _t_category,
    _t_profiles,
    _t_references,
    _t_version_range,
)


def mandatory_problems(doc: dict[str, Any]) -> list[Problem]:
    """Run the implemented mandatory tests; problems sorted by test and path."""
    problems = [problem for test in TESTS for problem in test(doc)]
    return sorted(problems, key=lambda p: (p.test, p.path, p.message))


# --- optional tests (section 6.2): warnings a document should avoid where its data allows ---

VERS_NAME = re.compile(r"^vers:[a-z\.\-\+][a-z0-9\.\-\+]*/.+")
CVE_TEXT = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,}$")


def _o_unused_product_ids(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.1: a product id defined and never referred to."""
    used = {pid for _, pid in _product_refs(doc)}
    for path, full in _full_product_names(doc):
        pid = full.get("product_id")
        if isinstance(pid, str) and pid not in used:
            yield Problem("6.2.1", f"{path}/product_id", f"{pid} is defined but never used")


def _o_remediation(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.2: an affected or under-investigation product without a remediation."""
    groups = _group_members(doc)
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        remedied: set[str] = set()
        for remediation in _list(vuln, "remediations"):
            remedied |= _products_of(remediation, groups, "product_ids")
        for status in (*AFFECTED, *UNDER_INVESTIGATION):
            for j, pid in enumerate(_list(_dict(vuln, "product_status"), status)):
                if pid not in remedied:
                    path = f"/vulnerabilities/{v}/product_status/{status}/{j}"
                    yield Problem("6.2.2", path, f"{pid} has no remediation")


def _o_score(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.3: an affected product without a score (CSAF 2.0 scores hold CVSS v2/v3 only)."""
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        scored = {p for score in _list(vuln, "scores") for p in _list(score, "products")}
        for status in AFFECTED:
            for j, pid in enumerate(_list(_dict(vuln, "product_status"), status)):
                if pid not in scored:
                    path = f"/vulnerabilities/{v}/product_status/{status}/{j}"
                    yield Problem("6.2.3", path, f"{pid} has no score")


def _o_involvement_date(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.7: an involvement without a date."""
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        for i, involvement in enumerate(_list(vuln, "involvements")):
            if not (isinstance(involvement, dict) and involvement.get("date")):
                yield Problem("6.2.7", f"/vulnerabilities/{v}/involvements/{i}", "no date")


def _o_tlp(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.10: no TLP label."""
    if not _dict(_dict(_dict(doc, "document"), "distribution"), "tlp").get("label"):
        yield Problem("6.2.10", "/document/distribution/tlp/label", "no TLP label")


def _o_sorted(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.13: object keys not in alphabetical order."""

    def walk(node: Any, path: str) -> Iterator[Problem]:
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, f"{path}/{i}")
        elif isinstance(node, dict):
            if list(node) != sorted(node):
                yield Problem("6.2.13", path or "/", "keys are not sorted")
            for key, value in node.items():
                yield from walk(value, f"{path}/{key}")

    yield from walk(doc, "")


def _o_helper(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.16: a full product name without a product identification helper."""
    for path, full in _full_product_names(doc):
        if not full.get("product_identification_helper"):
            yield Problem("6.2.16", path, "no product identification helper")


def _o_cve_in_ids(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.17: a CVE id in ``ids`` instead of ``cve``."""
    for v, vuln in enumerate(_list(doc, "vulnerabilities")):
        for i, item in enumerate(_list(vuln, "ids")):
            if isinstance(item, dict) and CVE_TEXT.match(str(item.get("text", ""))):
                yield Problem("6.2.17", f"/vulnerabilities/{v}/ids/{i}", "a CVE id in ids")


def _o_vers(doc: dict[str, Any]) -> Iterator[Problem]:
    """6.2.18: a product_version_range not named by a vers string."""
    for path, branch in _branches(doc):
        name = branch.get("name")
        if branch.get("category") == "product_version_range" and not (
            isinstance(name, str) and VERS_NAME.match(name)
        ):
            yield Problem("6.2.18", path, "a version range without vers")


OPTIONAL = (
    _o_unused_product_ids,
    _o_remediation,
    _o_score,
    _o_involvement_date,
    _o_tlp,
    _o_sorted,
    _o_helper,
    _o_cve_in_ids,
    _o_vers,
)


def optional_problems(doc: dict[str, Any]) -> list[Problem]:
    """Run the implemented optional tests (6.2.1-6.2.3, 6.2.7, 6.2.10, 6.2.13, 6.2.16-6.2.18):
    warnings, not errors; sorted by test and path."""
    problems = [problem for test in OPTIONAL for problem in test(doc)]
    return sorted(problems, key=lambda p: (p.test, p.path, p.message))
