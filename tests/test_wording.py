"""Counts read as English: "1 finding", "2 findings", in the CLI and the GUI alike."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from reviewstation.text import counted

# Representative messages: (n, the message built as the program builds it, expected at n).
MESSAGES = [
    (lambda n: counted(n, "best match", "best matches"), "best match", "best matches"),
    (lambda n: f"{counted(n, 'finding')} added", "finding added", "findings added"),
    (lambda n: f"({counted(n, 'item')})", "item)", "items)"),
    (lambda n: f"{counted(n, 'answer')} carried over", "answer carried", "answers carried"),
    (lambda n: f"with {counted(n, 'evidence file')},", "evidence file,", "evidence files,"),
    (lambda n: f"Plaintext: {counted(n, 'member')}.", "member.", "members."),
    (lambda n: f"Checkpoint {counted(n, 'entry', 'entries')}", "entry", "entries"),
    (lambda n: counted(n, "artifact"), "artifact", "artifacts"),
]


@pytest.mark.parametrize(("message", "one", "many"), MESSAGES)
@pytest.mark.parametrize("n", [0, 1, 2, 1234])
def test_a_count_agrees_with_its_noun(message: object, one: str, many: str, n: int) -> None:
    assert callable(message)
    text = message(n)
    shown = f"{n:,} "
    assert shown in text
    after = text.split(shown, 1)[1]
    assert after.startswith(one if n == 1 else many), text


# Plural nouns a count may stand before in a message. A literal count in an f-string before
# one of them ("{n} findings") reads "1 findings" at n = 1: such messages use ``counted``.
PLURALS = (
    "findings|matches|best matches|items|files|evidence files|members|artifacts|answers|entries"
    "|reviews|users|recipients|problems|runs|checklist runs|templates|people|slots"
)
_COUNT_THEN_PLURAL = re.compile(rf"^ (?:{PLURALS})\b")
FRONT_ENDS = ("cli", "gui", "app", "vault/verify.py")
ROOT = Path(__file__).resolve().parents[1] / "reviewstation"


def _is_limit(node: ast.expr) -> bool:
    """A constant limit (``MAX_ITEMS``, ``policy.max_members``) is never 1: no slip there."""
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return name.isupper() or name.startswith("max_")


def _slips(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.JoinedStr):
            continue
        for value, after in zip(node.values, node.values[1:], strict=False):
            if (
                isinstance(value, ast.FormattedValue)
                and isinstance(after, ast.Constant)
                and isinstance(after.value, str)
                and _COUNT_THEN_PLURAL.match(after.value)
                and not _is_limit(value.value)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_front_end_message_puts_a_bare_count_before_a_plural() -> None:
    paths = [p for part in FRONT_ENDS for p in sorted((ROOT / part).rglob("*.py"))]
    paths += [ROOT / part for part in FRONT_ENDS if part.endswith(".py")]
    assert paths
    slips = [slip for path in paths for slip in _slips(path)]
    assert not slips, "use reviewstation.text.counted:\n" + "\n".join(slips)
