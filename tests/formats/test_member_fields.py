"""docs/formats/package-members.md maps every field of every JSON member.

A package exported from a realistic vault (tests/support/realistic.py, both CycloneDX
versions) is read member by member; every key that occurs anywhere in a member must be named,
in backticks, in that member's section of the page. Subtrees whose keys are data, not fields
(the inspector summary, the template body, a revision's changed fields, FIRST's CVSS object,
which docs/formats/cvss.md maps) are left out, and each is named in SUBTREES.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.realistic import Exported, build_vault, export

from reviewstation.package_content import CYCLONEDX_VERSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "formats" / "package-members.md"
JSON_MEMBERS = (
    "manifest.json",
    "findings.json",
    "checklists.json",
    "artifacts.json",
    "triage.json",
    "findings.sarif",
    "vulnerabilities.csaf.json",
    "vulnerabilities.openvex.json",
    "artifacts.cdx.json",
)
# Subtrees whose keys are data, with where they are documented instead.
SUBTREES = {
    # blobs.md: Inspector summaries, and the custody events' details
    "artifacts.json": ["/artifacts[]/inspection", "/artifacts[]/custody/events[]/details"],
    "checklists.json": ["/runs[]/template_body"],  # checklists.md
    "findings.json": ["/findings[]/revisions[]/changes", "/findings[]/cvss_scores"],
    "findings.sarif": ["/runs[]/results[]/properties/cvss"],  # cvss.md, FIRST's JSON object
}


def keys(value: Any, path: str = "") -> dict[str, str]:
    """Every key in ``value`` -> the first path it occurs at."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.setdefault(key, f"{path}/{key}")
            for k, p in keys(item, f"{path}/{key}").items():
                out.setdefault(k, p)
    elif isinstance(value, list):
        for item in value:
            for k, p in keys(item, f"{path}[]").items():
                out.setdefault(k, p)
    return out


def section(member: str) -> str:
    """The text under every heading that names ``member``, down to the next heading of the
    same or a higher level."""
    text = DOC.read_text(encoding="utf-8")
    out = []
    for match in re.finditer(r"^(#+) (.*)$", text, re.MULTILINE):
        level, title = len(match.group(1)), match.group(2)
        if member not in title:
            continue
        rest = text[match.end() :]
        end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
        out.append(rest[: end.start()] if end else rest)
    return "\n".join(out)


def named(text: str) -> set[str]:
    """Every word inside backticks (`a.b[].c` names a, b and c)."""
    words: set[str] = set()
    for quoted in re.findall(r"`([^`]+)`", text):
        words.add(quoted)  # a key that holds a slash, e.g. a fingerprint's `name/v1`
        words.update(w for w in re.split(r"[\s./\[\]{}:,=()\"…]+", quoted) if w)
    return words


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> list[Exported]:
    tmp = tmp_path_factory.mktemp("fields")
    vault = build_vault(tmp)
    return [export(vault, tmp / f"p{v}.rspkg", v) for v in CYCLONEDX_VERSIONS]


@pytest.mark.parametrize("member", JSON_MEMBERS)
def test_every_field_is_mapped(packages: list[Exported], member: str) -> None:
    documented = named(section(member))
    assert documented, f"package-members.md has no section for {member}"
    missing = {}
    for package in packages:
        for key, path in keys(json.loads(package.members[member])).items():
            if any(path.startswith(s + "/") for s in SUBTREES.get(member, [])):
                continue
            if key not in documented:
                missing[key] = path
    assert missing == {}, f"fields of {member} that package-members.md does not name"


def test_the_page_lists_every_member_a_package_can_carry(packages: list[Exported]) -> None:
    text = DOC.read_text(encoding="utf-8")
    names = {re.sub(r"^evidence/.*", "evidence/<uid>/<path>", n) for n in packages[0].members}
    names = {re.sub(r"^cve/.*", "cve/<finding uid>.json", n) for n in names}
    for name in names:
        assert f"`{name}`" in text, name
