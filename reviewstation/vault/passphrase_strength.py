"""A rough passphrase strength estimate for live feedback while choosing one (no Qt).

It counts bits an attacker would have to guess, the way a cracker would try: common words and
passwords (also with look-alike digits), keyboard and alphabet runs, repeated characters and
repeated chunks are cheap; only what is left is priced as brute force over the character
classes used. It is deliberately simple and errs on the cautious side for short inputs; it is
a guide, not a proof. The only hard rule stays ``keyslots.check_new_passphrase``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from reviewstation.vault.keyslots import MIN_PASSPHRASE_CHARS

# Below this the wizard refuses to go on: 8 random lower-case letters are about 38 bits,
# 10 of them 47. Argon2id makes each guess slow, but not slow enough to rescue a weak word.
ACCEPTABLE_BITS = 45.0
_LEVELS = ((28.0, "Very weak"), (ACCEPTABLE_BITS, "Weak"), (60.0, "Fair"), (80.0, "Good"))
STRONG = "Strong"

# The most common passwords and words in leaked lists, plus this tool's own vocabulary: what
# a cracker tries first. Lower case; look-alike digits are folded before matching.
_COMMON = """
    password passphrase passwort secret letmein welcome admin administrator login qwerty
    qwertz azerty iloveyou monkey dragon master shadow sunshine princess football baseball
    soccer hockey superman batman trustno1 whatever freedom starwars hello hunter killer
    charlie michael jennifer jordan thomas robert daniel george summer winter spring autumn
    love lovely angel flower cookie cheese pepper ginger orange banana apple computer
    internet security secure changeme default guest test testing demo sample example
    review reviewstation vault model frontier government classified unclassified confidential
    top cui nofor noforn evaluator evaluation lab report finding findings
    correct horse battery staple abc abcd abcdef pass word
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
"""
COMMON_WORDS: tuple[str, ...] = tuple(_COMMON.split())
_LEET = str.maketrans("013457@$", "oieastas")  # look-alikes: p@ssw0rd is password
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop")
_SYMBOLS = 33


@dataclass(frozen=True)
class Strength:
    bits: float
    label: str  # "Too short", "Very weak", "Weak", "Fair", "Good", "Strong"
    advice: str  # one sentence, empty when there is nothing to add
    acceptable: bool

    @property
    def fraction(self) -> float:
        """0..1 for a meter: 100 bits and more fill it."""
        return max(0.0, min(1.0, self.bits / 100.0))


def estimate(passphrase: str, context: Iterable[str] = ()) -> Strength:
    """How hard ``passphrase`` is to guess; ``context`` (user name, vault name) counts as known."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        return Strength(
            0.0,
            "Too short",
            f"Use at least {MIN_PASSPHRASE_CHARS} characters; four or five unrelated words "
            "are easiest to remember.",
            False,
        )
    words = _dictionary(context)
    bits, found = _bits(passphrase, words)
    label = next((name for limit, name in _LEVELS if bits < limit), STRONG)
    acceptable = bits >= ACCEPTABLE_BITS
    if acceptable:
        advice = ""
    elif found:
        advice = "It is built from common words or patterns; add two or three unrelated words."
    else:
        advice = "Make it longer: add two or three unrelated words."
    return Strength(round(bits, 1), label, advice, acceptable)


def _dictionary(context: Iterable[str]) -> dict[str, int]:
    """Word -> rank (1 is guessed first); context words rank first of all."""
    ranks: dict[str, int] = {}
    for word in (*(_fold(c) for c in context), *COMMON_WORDS):
        if len(word) >= 3 and word not in ranks:
            ranks[word] = len(ranks) + 1
    return ranks


def _fold(text: str) -> str:
    return text.lower().translate(_LEET)


def _pool(text: str) -> int:
    """Brute-force alphabet size from the character classes ``text`` uses."""
    pool = 0
    if any(c.islower() for c in text):
        pool += 26
    if any(c.isupper() for c in text):
        pool += 26
    if any(c.isdigit() for c in text):
        pool += 10
    if any(c == " " for c in text):
        pool += 1
    if any(not c.isalnum() and c != " " and c.isascii() for c in text):
        pool += _SYMBOLS
    if any(not c.isascii() for c in text):
        pool += 100
    return max(pool, 10)


def _bits(passphrase: str, words: dict[str, int]) -> tuple[float, bool]:
    """Cheapest cover of the passphrase by patterns and brute-forced single characters.

    Dynamic programming over positions: ``best[i]`` is the fewest bits for ``passphrase[:i]``.
    Returns (bits, whether any pattern was used in the cheapest cover).
    """
    n = len(passphrase)
    folded = _fold(passphrase)
    lower = passphrase.lower()
    char_bits = math.log2(_pool(passphrase))
    inf = float("inf")
    best = [0.0] + [inf] * n
    patterned = [False] * (n + 1)
    for i in range(n):
        if best[i] == inf:
            continue
        # (end, cost, whether it is a known weakness worth telling the user about)
        options: list[tuple[int, float, bool]] = [(i + 1, char_bits, False)]
        options.extend((e, c, False) for e, c in _wordlike_matches(passphrase, i))
        for matches in (
            _word_matches(passphrase, folded, i, words),
            _run_matches(lower, i),
            _repeat_matches(lower, i),
        ):
            options.extend((e, c, True) for e, c in matches)
        for end, cost, pattern in options:
            total = best[i] + cost
            if total < best[end]:
                best[end] = total
                patterned[end] = patterned[i] or pattern
    return best[n], patterned[n]


def _word_matches(
    original: str, folded: str, i: int, words: dict[str, int]
) -> Iterable[tuple[int, float]]:
    for end in range(i + 3, len(folded) + 1):
        rank = words.get(folded[i:end])
        if rank is None:
            continue
        piece = original[i:end]
        cost = math.log2(rank + 1) + 1.0
        if piece != piece.lower():
            cost += 1.0  # capitalised or mixed case
        if piece.lower() != folded[i:end]:
            cost += 1.0  # look-alike digits
        yield end, cost


def _wordlike_matches(original: str, i: int) -> Iterable[tuple[int, float]]:
    """A run of letters may be a word from a list far larger than ours: price it like one.

    About 8 bits plus 2.5 per letter (a 6-letter word: 23 bits), never more than brute force.
    """
    if i > 0 and original[i - 1].isalpha():
        return
    end = i
    while end < len(original) and original[end].isalpha():
        end += 1
    length = end - i
    if length >= 4:
        cost = 8.0 + 2.5 * length + (1.0 if original[i:end] != original[i:end].lower() else 0.0)
        yield end, min(cost, length * math.log2(_pool(original[i:end])))


def _run_matches(lower: str, i: int) -> Iterable[tuple[int, float]]:
    """Alphabet or digit runs (abcd, 4321) and keyboard rows (qwerty, asdf), either way."""
    n = len(lower)
    step_end = i + 1
    if i + 1 < n:
        step = ord(lower[i + 1]) - ord(lower[i])
        if step in (1, -1):
            while step_end < n and ord(lower[step_end]) - ord(lower[step_end - 1]) == step:
                step_end += 1
    if step_end - i >= 3:
        yield step_end, 5.0 + math.log2(step_end - i)
    for row in _KEYBOARD_ROWS:
        for source in (row, row[::-1]):
            start = source.find(lower[i]) if i < n else -1
            if start < 0:
                continue
            length = 0
            while i + length < n and start + length < len(source):
                if lower[i + length] != source[start + length]:
                    break
                length += 1
            if length >= 3:
                yield i + length, 5.0 + math.log2(length)


def _repeat_matches(lower: str, i: int) -> Iterable[tuple[int, float]]:
    """A character repeated (aaaa), or a chunk that already appeared earlier (abcabc)."""
    n = len(lower)
    end = i + 1
    while end < n and lower[end] == lower[i]:
        end += 1
    if end - i >= 3:
        yield end, math.log2(_pool(lower[i])) + math.log2(end - i)
    for length in range(min(n - i, i), 2, -1):
        chunk = lower[i : i + length]
        if chunk in lower[:i]:
            yield i + length, math.log2(i + 1) + math.log2(length)
            break
