"""The shipped templates and the validator that guards custom ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewstation.checklists.templates import TemplateError, builtin_templates, parse_template

GOOD = b"""
[template]
id = "custom-check"
version = 1
title = "Custom"
description = "A small custom checklist."
sources = ["internal"]

[[items]]
id = "first.item"
section = "One"
prompt = "Is it so?"
guidance = "Look closely."
evidence = ["a log"]
"""


def test_at_least_five_templates_and_a_large_cyber_one() -> None:
    templates = {t.id: t for t in builtin_templates()}
    assert len(templates) >= 5
    assert len(templates["cyber-capability"].items) >= 20
    for expected in (
        "intake-custody",
        "evaluation-setup",
        "threshold-determination",
        "safeguards-misuse",
        "determination-signoff",
    ):
        assert expected in templates


def test_every_item_has_stable_unique_id_and_content_hash() -> None:
    for template in builtin_templates():
        ids = [item.id for item in template.items]
        assert len(ids) == len(set(ids)), template.id
        hashes = {item.content_hash for item in template.items}
        assert len(hashes) == len(ids)
        assert all(item.evidence and item.guidance and item.prompt for item in template.items)


def test_content_hash_follows_what_the_reviewer_answers() -> None:
    base = parse_template(GOOD, "t.toml")
    reworded = parse_template(GOOD.replace(b"Look closely.", b"Look very closely."), "t.toml")
    moved = parse_template(GOOD.replace(b'section = "One"', b'section = "Two"'), "t.toml")
    assert base.items[0].content_hash != reworded.items[0].content_hash
    assert base.items[0].content_hash == moved.items[0].content_hash  # only regrouped
    assert base.hash != moved.hash


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ((b'id = "custom-check"', b'id = "Custom Check"'), "'id' must be lowercase"),
        ((b"version = 1", b'version = "1"'), "'version' must be a whole number"),
        ((b'id = "first.item"', b'id = "First Item"'), "dotted lowercase"),
        ((b'evidence = ["a log"]', b"evidence = []"), "expected evidence"),
        ((b'prompt = "Is it so?"', b'prompt = ""'), "'prompt' must be non-empty"),
        ((b"[[items]]", b"[[items]]\ncolour = 'red'"), "unknown keys colour"),
        ((b"[template]", b"[template"), "not valid TOML"),
    ],
)
def test_invalid_templates_name_each_problem(edit: tuple[bytes, bytes], problem: str) -> None:
    with pytest.raises(TemplateError) as error:
        parse_template(GOOD.replace(*edit), "bad.toml")
    assert any(problem in p for p in error.value.problems), error.value.problems
    assert "bad.toml" in str(error.value)


def test_duplicate_item_ids_are_refused() -> None:
    doubled = GOOD + GOOD[GOOD.index(b"[[items]]") :]
    with pytest.raises(TemplateError, match="used twice"):
        parse_template(doubled, "dup.toml")


def test_shipped_files_are_named_after_their_ids() -> None:
    folder = Path(__file__).resolve().parents[2] / "resources" / "checklists"
    assert sorted(p.stem for p in folder.glob("*.toml")) == sorted(
        t.id for t in builtin_templates()
    )


def test_ids_with_a_trailing_newline_or_unknown_template_keys_are_refused() -> None:
    with pytest.raises(TemplateError, match="lowercase"):
        parse_template(GOOD.replace(b'id = "custom-check"', b'id = "custom-check\\n"'), "t.toml")
    with pytest.raises(TemplateError, match="unknown keys owner"):
        parse_template(GOOD.replace(b"version = 1", b'version = 1\nowner = "x"'), "t.toml")
    with pytest.raises(TemplateError, match="dotted"):
        parse_template(GOOD.replace(b'id = "first.item"', b'id = "' + b"a" * 101 + b'"'), "t.toml")
