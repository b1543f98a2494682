"""Generate the hostile-input corpus (run once; the files are committed beside this script).

    .venv/bin/python tests/corpus/make_corpus.py

Each file's folder names the parser that must refuse it with a typed error: archives/ (package
verify), manifests/ (parse_sums, loads_bounded), cards/ (parse_card), headers/ (Header), models/
(the artifact inspectors).
"""

from __future__ import annotations

import base64
import io
import json
import struct
import tarfile
import warnings
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def zbuild(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def zmode(name: str, mode: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system, info.external_attr = 3, mode << 16
        archive.writestr(info, b"/etc/passwd")
    return buffer.getvalue()


def tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"{}"))
    return buffer.getvalue()


def overlapping() -> bytes:
    data = zbuild([("a.json", b"x" * 64), ("b.json", b"y" * 64)])
    second = data.rfind(b"PK\x01\x02")
    offset = data.find(b"PK\x03\x04")
    # b.json's central record points at a.json's local header: two names, one body.
    return data[: second + 42] + struct.pack("<I", offset) + data[second + 46 :]


def forged_size() -> bytes:
    data = bytearray(zbuild([("a.json", b"z" * 5000)], zipfile.ZIP_DEFLATED))
    for sig, pos in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        data[at + pos : at + pos + 4] = struct.pack("<I", 10)
    return bytes(data)


def disagree() -> bytes:
    data = bytearray(zbuild([("manifest.json", b"{}")]))
    at = data.find(b"PK\x03\x04") + 30
    data[at : at + 8] = b"evil.jsn"  # local name differs from the central directory's
    return bytes(data)


def zwriter(name: str, data: bytes, *, extra: bytes = b"", comment: bytes = b"") -> bytes:
    """One member as the package writer writes it, plus the bytes no signature covers."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 3, 0o100644 << 16
        info.extra, info.comment = extra, comment
        archive.writestr(info, data)
    return buffer.getvalue()


class _NoSeek(io.RawIOBase):
    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: object) -> int:
        piece = bytes(b)  # type: ignore[call-overload]
        self.data += piece
        return len(piece)


def descriptor() -> bytes:
    """A plaintext package's member written with a data descriptor (bytes after its data)."""
    sink = _NoSeek()
    with zipfile.ZipFile(sink, "w") as archive:
        info = zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 3, 0o100644 << 16
        archive.writestr(info, b"{}")
    return bytes(sink.data)


def field(header_id: int, body: bytes) -> bytes:
    return struct.pack("<HH", header_id, len(body)) + body


ARCHIVES = {
    "hidden-extra-field.zip": zwriter("a.json", b"{}", extra=field(0xCAFE, b"\0" * 1024)),
    "hidden-unicode-path.zip": zwriter(
        "a.json", b"{}", extra=field(0x7075, b"\x01" + struct.pack("<I", 0) + b"evil.sh")
    ),
    "hidden-entry-comment.zip": zwriter("a.json", b"{}", comment=b"hidden " * 100),
    "hidden-descriptor.zip": descriptor(),
    "hidden-deflate.zip": zbuild([("a.json", b"{}" * 100)], zipfile.ZIP_DEFLATED),
    "traversal-dotdot.zip": zbuild([("../escape.txt", b"x")]),
    "traversal-absolute.zip": zbuild([("/etc/passwd", b"x")]),
    "traversal-drive.zip": zbuild([("C:/windows/evil.txt", b"x")]),
    "traversal-backslash.zip": zbuild([("..\\evil.txt", b"x")]),
    "traversal-nul.zip": zbuild([("nulX.txt", b"x")]).replace(b"nulX.txt", b"nul\x00.txt"),
    "link-symlink.zip": zmode("link", 0o120777),
    "link-device.zip": zmode("dev", 0o020666),
    "link-fifo.zip": zmode("fifo", 0o010644),
    "duplicate.zip": zbuild([("a.json", b"1"), ("a.json", b"2")]),
    "collision-case.zip": zbuild([("Manifest.json", b"1"), ("manifest.json", b"2")]),
    "collision-nfc.zip": zbuild([("caf\u00e9.txt", b"1"), ("cafe\u0301.txt", b"2")]),
    "bomb-ratio.zip": zbuild([("bomb.json", b"\0" * 20_000_000)], zipfile.ZIP_DEFLATED),
    "bomb-overlapping.zip": overlapping(),
    "bomb-forged-size.zip": forged_size(),
    "bomb-entry-count.zip": zbuild([(f"m{i}", b"") for i in range(10_001)]),
    "local-central-disagree.zip": disagree(),
    "data-before.zip": b"MZ" + b"\0" * 200 + zbuild([("a.json", b"{}")]),
    "data-after.zip": zbuild([("a.json", b"{}")]) + b"trailing garbage",
    "tar.rspkg": tar(),
    "empty.rspkg": b"",
    "not-a-zip.rspkg": b"PK\x05\x06" + b"\xff" * 18,
}

H = "ab" * 48
MANIFESTS = {
    "sums-two-spaces-missing.txt": f"{H} findings.json\n".encode(),
    "sums-uppercase.txt": f"{H.upper()}  findings.json\n".encode(),
    "sums-crlf.txt": f"{H}  findings.json\r\n".encode(),
    "sums-unsorted.txt": f"{H}  b.json\n{H}  a.json\n".encode(),
    "sums-duplicate.txt": f"{H}  a.json\n{H}  a.json\n".encode(),
    "sums-binary-marker.txt": f"{H} *a.json\n".encode(),
    "sums-no-final-newline.txt": f"{H}  a.json".encode(),
    "sums-short-hash.txt": f"{H[:-2]}  a.json\n".encode(),
    "sums-traversal.txt": f"{H}  ../a.json\n".encode(),
    "json-deep.json": b"[" * 100_000 + b"]" * 100_000,
    "json-huge-string.json": b'{"a": "' + b"x" * 1_100_000 + b'"}',
    "json-giant-number.json": b'{"sequence": 1' + b"0" * 5000 + b"}",
    "json-giant-exponent.json": b'{"sequence": 1e999999999}',
    "json-nan.json": b'{"sequence": NaN}',
    "json-duplicate-keys.json": b'{"a": 1, "a": 2}',
    "json-lone-surrogate.json": b'{"a": "\\ud800"}',
    "json-wrong-version.json": b'{"format": "reviewstation-package", "version": 999}',
    "json-bom.json": b"\xef\xbb\xbf{}",
    "json-not-utf8.json": b'{"a": "\xff\xfe"}',
}


def card(**change: object) -> bytes:
    base: dict[str, object] = {
        "format": "reviewstation-identity",
        "version": 1,
        "name": "x",
        "role": "reviewer",
        "vault_id": "v",
        "signing": {
            "p384": base64.b64encode(b"\x30" * 120).decode(),
            "mldsa87": base64.b64encode(b"\0" * 2592).decode(),
        },
        "recipient": {
            "mlkem1024": base64.b64encode(b"\0" * 1568).decode(),
            "p384": base64.b64encode(b"\x30" * 120).decode(),
        },
    }
    base.update(change)
    return json.dumps(base).encode()


def p384_off_curve() -> str:
    # A valid SPKI prefix for P-384 with a point that is not on the curve.
    prefix = bytes.fromhex("3076301006072a8648ce3d020106052b81040022036200")
    return base64.b64encode(prefix + b"\x04" + b"\x01" * 96).decode()


CARDS = {
    "card-empty.json": b"",
    "card-wrong-version.json": card(version=2),
    "card-mldsa-short.json": card(signing={"p384": p384_off_curve(), "mldsa87": "AAAA"}),
    "card-mldsa-long.json": card(
        signing={"p384": p384_off_curve(), "mldsa87": base64.b64encode(b"\1" * 2600).decode()}
    ),
    "card-p384-off-curve.json": card(
        signing={"p384": p384_off_curve(), "mldsa87": base64.b64encode(b"\0" * 2592).decode()}
    ),
    "card-mlkem-short.json": card(recipient={"mlkem1024": "AAAA", "p384": p384_off_curve()}),
    "card-mlkem-malformed.json": card(
        recipient={"mlkem1024": base64.b64encode(b"\xff" * 1568).decode(), "p384": p384_off_curve()}
    ),
    "card-not-base64.json": card(signing={"p384": "!!!", "mldsa87": "???"}),
    "card-types.json": card(signing=[1, 2], recipient="x", name=5),
    # Terminal injection (issue 13): one-line fields are refused before anything is shown.
    "card-name-forges-fingerprint.json": card(name="Alice\nP-384      " + "ab" * 48),
    "card-role-conceal.json": card(role="lead\x1b[8m"),
    "card-vault-id-bidi.json": card(vault_id="v\u202e"),
    "card-name-osc52.json": card(name="Eve\x1b]52;c;cm0gLXJmIH4=\x07"),
}


def header(**change: object) -> bytes:
    slot = {
        "id": "s1",
        "kind": "passphrase",
        "user": "alice",
        "wrapped": "AAAA",
        "kdf": {"alg": "argon2id", "m": 65536, "t": 3, "p": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
    }
    base: dict[str, object] = {
        "format": "reviewstation-vault",
        "version": 1,
        "vault_id": "v",
        "created": "c",
        "marking": "CUI",
        "slots": [slot],
        "mac": "00",
    }
    base.update(change)
    return json.dumps(base).encode()


def kdf_header(**kdf: object) -> bytes:
    params = {"alg": "argon2id", "m": 65536, "t": 3, "p": 1, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}
    params.update(kdf)
    slot = {"id": "s1", "kind": "passphrase", "user": "alice", "wrapped": "AAAA", "kdf": params}
    return header(slots=[slot])


HEADERS = {
    "header-kdf-memory-absurd.json": kdf_header(m=1 << 40),
    "header-kdf-memory-below-floor.json": kdf_header(m=1024),
    "header-kdf-iterations-absurd.json": kdf_header(t=10**9),
    "header-kdf-iterations-below-floor.json": kdf_header(t=1),
    "header-kdf-lanes-absurd.json": kdf_header(p=100_000),
    "header-kdf-negative.json": kdf_header(m=-1),
    "header-kdf-float.json": kdf_header(t=3.5),
    "header-kdf-bool.json": kdf_header(t=True),
    "header-kdf-salt-short.json": kdf_header(salt="AA=="),
    "header-wrong-version.json": header(version=2),
    "header-too-many-slots.json": header(slots=[{"id": str(i)} for i in range(10_000)]),
    "header-not-json.json": b"\x00\x01\x02",
}


def safetensors(header_obj: object, body: bytes = b"") -> bytes:
    raw = json.dumps(header_obj).encode()
    return struct.pack("<Q", len(raw)) + raw + body


MODELS = {
    "safetensors-offsets-past-end.safetensors": safetensors(
        {"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 10**12]}}, b"\0" * 8
    ),
    "safetensors-overlapping.safetensors": safetensors(
        {
            "a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
            "b": {"dtype": "F16", "shape": [2], "data_offsets": [2, 6]},
        },
        b"\0" * 8,
    ),
    "safetensors-size-mismatch.safetensors": safetensors(
        {"w": {"dtype": "F32", "shape": [1000, 1000], "data_offsets": [0, 8]}}, b"\0" * 8
    ),
    "safetensors-header-length-lies.safetensors": struct.pack("<Q", 10**15) + b"{}",
    "pickle-os-system.pkl": b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94\x8c\x05id -a\x94\x85\x94R\x94.",  # noqa: E501
    "pickle-reduce-eval.pkl": b"cbuiltins\neval\n(S'print(1)'\ntR.",
    "gguf-truncated.gguf": b"GGUF" + struct.pack("<IQQ", 3, 10**9, 10**9),
    "gguf-huge-string.gguf": b"GGUF"
    + struct.pack("<IQQ", 3, 0, 1)
    + struct.pack("<Q", 2**62)
    + b"k",
    "eval-future-version.json": json.dumps(
        {"version": 99, "eval": {"task": "t"}, "samples": "x"}
    ).encode(),
    "eval-old-version.json": json.dumps({"version": 0, "status": "started"}).encode(),
    "eval-zip-no-header.eval": zbuild([("samples/1.json", b"{}")]),
    "eval-zip-bad-header.eval": zbuild([("header.json", b'{"version": "two", "eval": []}')]),
}

GROUPS = {
    "archives": ARCHIVES,
    "manifests": MANIFESTS,
    "cards": CARDS,
    "headers": HEADERS,
    "models": MODELS,
}


def main() -> None:
    for group, files in GROUPS.items():
        folder = HERE / group
        folder.mkdir(exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    print(sum(len(f) for f in GROUPS.values()), "files")


if __name__ == "__main__":
    main()
