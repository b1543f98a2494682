"""Crafted artifact files for the inspector tests: built byte by byte, nothing ever loaded."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


def blob_files(vault: Path) -> list[Path]:
    folder = vault / "blobs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


# --- safetensors -------------------------------------------------------------------------


def safetensors(
    tensors: dict[str, tuple[str, list[int], bytes]],
    metadata: dict[str, str] | None = None,
    *,
    header_override: dict[str, Any] | None = None,
    pad: int = 0,
) -> bytes:
    """An honest file from ``tensors`` (name: dtype, shape, raw bytes), or a lying one."""
    header: dict[str, Any] = {}
    data = b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [len(data), len(data) + len(raw)],
        }
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    if header_override is not None:
        header = header_override
    text = json.dumps(header).encode() + b" " * pad
    return struct.pack("<Q", len(text)) + text + data


# --- GGUF v3 -----------------------------------------------------------------------------


def _gguf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf(
    metadata: list[tuple[str, int, Any]],
    tensors: list[tuple[str, list[int], int, int]],
    *,
    data: bytes = b"",
    version: int = 3,
) -> bytes:
    """A GGUF file: metadata (key, type, value) and tensors (name, dims, ggml type, offset)."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    for key, kind, value in metadata:
        out += _gguf_string(key) + struct.pack("<I", kind) + _gguf_value(kind, value)
    for name, dims, ggml_type, offset in tensors:
        out += _gguf_string(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ggml_type, offset)
    out += b"\x00" * (-len(out) % 32)
    return out + data


def _gguf_value(kind: int, value: Any) -> bytes:
    codes = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q"}
    codes[12] = "d"
    if kind in codes:
        return struct.pack("<" + codes[kind], value)
    if kind == 8:
        return _gguf_string(value)
    if kind == 9:
        item_kind, items = value
        return struct.pack("<IQ", item_kind, len(items)) + b"".join(
            _gguf_value(item_kind, v) for v in items
        )
    raise ValueError(kind)


# --- pickles (hand-assembled opcodes) ------------------------------------------------------

# PROTO 2; GLOBAL 'os system'; BINUNICODE 'echo pwned'; TUPLE1; REDUCE; STOP
PICKLE_OS_SYSTEM = b"\x80\x02cos\nsystem\nX\n\x00\x00\x00echo pwned\x85R."


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw  # SHORT_BINUNICODE


# Protocol 4: the module and name reach STACK_GLOBAL through the memo (BINGET), not directly.
PICKLE_STACK_GLOBAL = (
    b"\x80\x04"
    + _short("posix")
    + b"\x94"  # MEMOIZE -> 0
    + _short("system")
    + b"\x94"  # MEMOIZE -> 1
    + b"0"  # POP
    + b"0"  # POP
    + b"h\x00"  # BINGET 0
    + b"h\x01"  # BINGET 1
    + b"\x93"  # STACK_GLOBAL
    + _short("id")
    + b"\x85R."  # TUPLE1 REDUCE STOP
)

# What torch.save's data.pkl looks like: an OrderedDict of tensors rebuilt by torch helpers.
PICKLE_TORCH_STATE = (
    b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01"
    b"X\x06\x00\x00\x00weightq\x02"
    b"ctorch._utils\n_rebuild_tensor_v2\nq\x03"
    b"(X\x01\x00\x00\x000q\x04ctorch\nFloatStorage\nq\x05K\x04tq\x06"
    b"Rq\x07s."
)


def torch_zip(data_pkl: bytes, *, storages: int = 1) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", "little")
        for index in range(storages):
            archive.writestr(f"archive/data/{index}", b"\x00" * 16)
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


# --- ZIP with Zstandard members (method 93), as recent Inspect writes ----------------------


def zstd_zip(members: dict[str, bytes]) -> bytes:
    import zstandard

    out = b""
    central = b""
    for name, data in members.items():
        packed = zstandard.ZstdCompressor().compress(data)
        raw_name = name.encode()
        crc = zlib.crc32(data)
        fields = struct.pack(
            "<HHHHHIIIHH", 63, 0, 93, 0, 0x21, crc, len(packed), len(data), len(raw_name), 0
        )
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 63)
            + fields
            + struct.pack("<HHHII", 0, 0, 0, 0, len(out))
            + raw_name
        )
        out += b"PK\x03\x04" + fields + raw_name + packed
    end = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return out + central + end


def rezip_zstd(eval_file: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(eval_file)) as archive:
        return zstd_zip({i.filename: archive.read(i) for i in archive.infolist()})


# --- OpenSSF model signing bundles --------------------------------------------------------


def model_signature(
    files: dict[str, bytes], key: ec.EllipticCurvePrivateKey, *, model: str = "model"
) -> bytes:
    """A key-signed bundle as model_signing 1.x writes it (predicate v1.0, DSSE, in-toto)."""
    resources = [
        {"name": name, "algorithm": "sha256", "digest": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(files.items())
    ]
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in resources)).hexdigest()
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": model, "digest": {"sha256": root}}],
        "predicateType": "https://model_signing/signature/v1.0",
        "predicate": {
            "serialization": {
                "method": "files",
                "hash_type": "sha256",
                "allow_symlinks": False,
                "ignore_paths": ["model.sig"],
            },
            "resources": resources,
        },
    }
    payload = json.dumps(statement).encode()
    payload_type = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(payload), payload)
    curve_hash = {256: hashes.SHA256(), 384: hashes.SHA384()}[key.curve.key_size]
    signature = key.sign(pae, ec.ECDSA(curve_hash))
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "publicKey": {"hint": hashlib.sha256(pem).hexdigest()},
            "tlogEntries": [],
        },
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": payload_type,
            "signatures": [{"sig": base64.b64encode(signature).decode(), "keyid": ""}],
        },
    }
    return json.dumps(bundle).encode()


def public_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
