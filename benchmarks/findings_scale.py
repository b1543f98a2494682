"""A vault with 100,000 findings and 1,000,000 audit entries: search, paging and verify.

Targets (issue 4): `finding search` and a page of 200 findings each under 50 ms at p95
in-process; verifying the audit chain under 10 s. References measured in the same run:
the same FTS5 query and page on an unencrypted SQLite copy of the data (what SQLCipher costs),
and hashing the same canonical entries with nothing else (what the chain walk costs beyond
hashing).

    python -m benchmarks.findings_scale [--findings N] [--entries N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlcipher3

from reviewstation.canonical import canonical
from reviewstation.crypto.hashing import sha384
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings import query
from reviewstation.reviews.service import create_review
from reviewstation.vault import audit
from reviewstation.vault.session import create_vault, open_vault
from reviewstation.vault.verify import verify_vault

PASS = "benchmark passphrase"
WORDS = (
    "exploit overflow heap stack kernel browser sandbox escape injection prompt agent tool "
    "fuzzing harness crash triage privilege escalation lateral movement persistence payload "
    "shellcode gadget rop chain memory corruption use after free race condition parser "
    "deserialization authentication bypass token session cookie firmware driver hypervisor "
    "container network scanner credential phishing ransomware evasion detection patch"
).split()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Security terms first (the most frequent), then invented words: a Zipfian vocabulary."""
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "zo", "pe", "qu", "ix", "or"]
    extra = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return WORDS + sorted(extra)


class Corpus:
    """Words drawn with Zipf's law (s = 1.1), as in natural technical prose."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = vocabulary(rng)
        weights = [1 / (rank**1.1) for rank in range(1, len(self.words) + 1)]
        total = sum(weights)
        self.cumulative = list(itertools.accumulate(w / total for w in weights))

    def text(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=n))


def populate(vault: Path, findings: int, entries: int) -> None:
    corpus = Corpus(random.Random(7))
    rng = corpus.rng
    with open_vault(vault, PASS) as session:
        create_review(session, title="Scale", developer="Lab", model_name="M")
        conn = session.conn
        conn.execute("BEGIN")
        rows = []
        for n in range(findings):
            rows.append(
                (
                    f"uid-{n}",
                    1,
                    "capability",
                    f"{corpus.text(6)} {n}",
                    corpus.text(120),
                    rng.choice(["critical", "high", "medium", "low", "info"]),
                    "CUI",
                    "alice",
                    "2026-11-23T00:00:00Z",
                    "2026-11-23T00:00:00Z",
                )
            )
        conn.executemany(
            "INSERT INTO findings (uid, review_id, kind, title, body, severity, portion_marking,"
            " author, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        count, prev = audit.head(conn, session.vault_id)
        batch = []
        for seq in range(count + 1, count + entries + 1):
            details = {"n": seq}
            digest = audit.entry_hash(
                prev, seq, "2026-11-23T00:00:00Z", "alice", "bench.entry", f"t{seq}", details
            )
            batch.append(
                (
                    seq,
                    "2026-11-23T00:00:00Z",
                    "alice",
                    "bench.entry",
                    f"t{seq}",
                    canonical(details).decode(),
                    prev,
                    digest,
                )
            )
            prev = digest
            if len(batch) == 50_000:
                conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
                batch = []
        conn.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
        conn.execute("COMMIT")


def plain_copy(vault: Path, target: Path) -> None:
    """The same database without encryption (synthetic data in a temp folder only)."""
    with open_vault(vault, PASS, mode="read") as session:
        session.conn.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        session.conn.execute("SELECT sqlcipher_export('plaintext')")
        session.conn.execute("DETACH DATABASE plaintext")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("REVIEWSTATION_KDF_MS", "0")
    with tempfile.TemporaryDirectory() as tmp:
        vault = Path(tmp) / "scale.rsvault"
        create_vault(vault, "alice", PASS, kdf=floor_params())
        start = time.perf_counter()
        populate(vault, args.findings, args.entries)
        print(
            f"built {args.findings} findings and {args.entries} audit entries in "
            f"{time.perf_counter() - start:.1f} s"
        )
        plain_path = Path(tmp) / "plain.db"
        plain_copy(vault, plain_path)
        plain = sqlcipher3.connect(plain_path)
        rng = random.Random(11)
        # What reviewers type: one or two words taken from a finding chosen at random.
        with open_vault(vault, PASS, mode="read") as session:
            bodies = [
                session.conn.execute("SELECT body FROM findings WHERE id = ?", (i,)).fetchone()[0]
                for i in (rng.randrange(1, args.findings + 1) for _ in range(args.runs))
            ]
        terms = [" ".join(rng.sample(b.split(), rng.choice((1, 2)))) for b in bodies]
        with open_vault(vault, PASS, mode="read") as session:
            conn = session.conn
            it = iter(terms * 2)
            search_ms = timed(lambda: query.search(conn, next(it)), args.runs)
            starts = [rng.randrange(0, args.findings) for _ in range(args.runs)]
            pos = iter(starts)
            page_ms = timed(lambda: query.page(conn, after_id=next(pos), limit=200), args.runs)
        it2 = iter(terms * 2)
        plain_search = timed(lambda: query.search(plain, next(it2)), args.runs)
        pos2 = iter(starts)
        plain_page = timed(lambda: query.page(plain, after_id=next(pos2), limit=200), args.runs)
        start = time.perf_counter()
        report = verify_vault(vault, PASS)
        verify_s = time.perf_counter() - start
        # Reference: hashing the same canonical entries and nothing else.
        start = time.perf_counter()
        prev = b"\x00" * 48
        for seq in range(report.entries):
            prev = sha384(
                prev
                + canonical(
                    {
                        "seq": seq,
                        "at": "2026-11-23T00:00:00Z",
                        "user": "alice",
                        "action": "bench.entry",
                        "target": f"t{seq}",
                        "details": {"n": seq},
                    }
                )
            )
        hash_s = time.perf_counter() - start
        print(
            f"finding search   p95 {p95(search_ms):6.1f} ms (target 50)  "
            f"ratio to plain SQLite {p95(search_ms) / p95(plain_search):.2f}"
        )
        print(
            f"page of 200      p95 {p95(page_ms):6.1f} ms (target 50)  "
            f"ratio to plain SQLite {p95(page_ms) / max(p95(plain_page), 1e-3):.2f}"
        )
        print(
            f"vault verify     {verify_s:6.2f} s for {report.entries} entries (target 10)  "
            f"ratio to hashing alone {verify_s / hash_s:.2f}; intact={report.intact}"
        )


if __name__ == "__main__":
    main()
