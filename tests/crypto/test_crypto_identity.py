"""Identity cards (reviewstation.crypto.identity): round trip and hostile cards."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest

from reviewstation.canonical import canonical
from reviewstation.crypto.identity import (
    CARD_FORMAT,
    CARD_VERSION,
    MAX_CARD_BYTES,
    PrivateIdentity,
    PublicIdentity,
    export_card,
    parse_card,
)
from reviewstation.crypto.signing import Domain, HybridSignature
from reviewstation.errors import CryptoError, InputError

NAME, ROLE, VAULT = "Dr. Zoë Ngata 日本", "reviewer", "vault-3c9f"


@pytest.fixture(scope="module")
def me() -> PrivateIdentity:
    return PrivateIdentity.generate()


@pytest.fixture(scope="module")
def other() -> PrivateIdentity:
    return PrivateIdentity.generate()


@pytest.fixture(scope="module")
def card(me: PrivateIdentity) -> bytes:
    return export_card(me, me.public(NAME, ROLE, VAULT))


@pytest.fixture(scope="module")
def other_card(other: PrivateIdentity) -> bytes:
    return export_card(other, other.public("Mallory", ROLE, VAULT))


def _obj(card: bytes) -> dict[str, Any]:
    obj = json.loads(card)
    assert isinstance(obj, dict)
    return obj


def _enc(obj: Any) -> bytes:
    return json.dumps(obj).encode("utf-8")


def _b64d(text: str) -> bytes:
    return base64.b64decode(text)


def _fingerprints(obj: dict[str, Any]) -> dict[str, str]:
    """The documented fingerprints, computed from the card's own key encodings."""

    def h(data: bytes) -> str:
        return hashlib.sha384(data).hexdigest()

    signing, recipient = obj["signing"], obj["recipient"]
    return {
        "p384": h(_b64d(signing["p384_spki"])),
        "mldsa87": h(_b64d(signing["mldsa87"])),
        "recipient": h(_b64d(recipient["mlkem1024"]) + _b64d(recipient["p384_spki"])),
    }


def _refit(obj: dict[str, Any]) -> bytes:
    """Recompute the fingerprints after a swap, so only the self-signature can catch it."""
    obj["fingerprints"] = _fingerprints(obj)
    return _enc(obj)


# --------------------------------------------------------------------------- round trip


def test_round_trip(me: PrivateIdentity, card: bytes) -> None:
    public = me.public(NAME, ROLE, VAULT)
    parsed = parse_card(card)
    assert (parsed.name, parsed.role, parsed.vault_id) == (NAME, ROLE, VAULT)
    assert parsed.signing == public.signing
    assert parsed.recipient.fingerprint() == public.recipient.fingerprint()
    assert parsed.fingerprint == public.fingerprint == public.signing.fingerprint()
    assert parsed.fingerprints() == public.fingerprints()


def test_card_encoding(card: bytes) -> None:
    obj = _obj(card)
    assert card == canonical(obj) + b"\n"
    assert obj["format"] == CARD_FORMAT == "reviewstation-identity"
    assert obj["version"] == CARD_VERSION == 1
    assert obj["fingerprints"] == _fingerprints(obj)
    assert len(card) < MAX_CARD_BYTES


def test_parsed_keys_are_usable(me: PrivateIdentity, card: bytes) -> None:
    parsed = parse_card(card)
    assert me.recipient.decrypt(parsed.recipient.encrypt(b"k" * 32, b"i"), b"i") == b"k" * 32
    parsed.signing.verify(Domain.CHECKPOINT, b"m", me.signing.sign(Domain.CHECKPOINT, b"m"))


def test_card_from_a_restored_private_identity(me: PrivateIdentity, card: bytes) -> None:
    restored = PrivateIdentity.from_bytes(me.to_bytes())
    again = export_card(restored, restored.public(NAME, ROLE, VAULT))
    assert parse_card(again).fingerprints() == parse_card(card).fingerprints()


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b"[]", b"not json", b'{"sig_p384": 1}', b'{"sig_p384": "!!"}', b"\xff"],
)
def test_private_identity_from_bad_bytes(data: bytes) -> None:
    with pytest.raises(InputError):
        PrivateIdentity.from_bytes(data)


# --------------------------------------------------------------------------- tampering


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Mallory"), ("name", NAME + " "), ("name", ""), ("role", "admin"), ("vault_id", "x")],
)
def test_changed_text_breaks_self_signature(card: bytes, field: str, value: str) -> None:
    obj = _obj(card)
    obj[field] = value
    with pytest.raises(InputError, match="self-signature"):
        parse_card(_enc(obj))


@pytest.mark.parametrize("which", ["p384", "mldsa87", "recipient"])
def test_altered_fingerprint(card: bytes, which: str) -> None:
    obj = _obj(card)
    obj["fingerprints"][which] = hashlib.sha384(b"someone else").hexdigest()
    with pytest.raises(InputError, match="fingerprints"):
        parse_card(_enc(obj))


@pytest.mark.parametrize(
    "fingerprints",
    [None, "abc", [], {}, {"p384": "00"}],
    ids=["null", "string", "list", "empty", "partial"],
)
def test_replaced_fingerprints(card: bytes, fingerprints: object) -> None:
    obj = _obj(card)
    obj["fingerprints"] = fingerprints
    with pytest.raises(InputError, match="fingerprints"):
        parse_card(_enc(obj))


def test_missing_fingerprints(card: bytes) -> None:
    obj = _obj(card)
    del obj["fingerprints"]
    with pytest.raises(InputError):
        parse_card(_enc(obj))


def test_uppercase_fingerprint_is_not_equal(card: bytes) -> None:
    obj = _obj(card)
    obj["fingerprints"]["p384"] = obj["fingerprints"]["p384"].upper()
    with pytest.raises(InputError):
        parse_card(_enc(obj))


SWAPS = [
    ("signing", "mldsa87"),
    ("signing", "p384_spki"),
    ("recipient", "mlkem1024"),
    ("recipient", "p384_spki"),
]


@pytest.mark.parametrize(("group", "field"), SWAPS)
def test_swapped_key_with_stale_fingerprints(
    card: bytes, other_card: bytes, group: str, field: str
) -> None:
    obj = _obj(card)
    obj[group][field] = _obj(other_card)[group][field]
    with pytest.raises(InputError, match="fingerprints"):
        parse_card(_enc(obj))


@pytest.mark.parametrize(("group", "field"), SWAPS)
def test_swapped_key_with_refitted_fingerprints(
    card: bytes, other_card: bytes, group: str, field: str
) -> None:
    """Every key in the card (recipient keys too) is covered by the self-signature."""
    obj = _obj(card)
    obj[group][field] = _obj(other_card)[group][field]
    with pytest.raises(InputError, match="self-signature"):
        parse_card(_refit(obj))


def test_other_persons_keys_and_signature_under_my_name(card: bytes, other_card: bytes) -> None:
    obj = _obj(other_card)
    obj["name"] = _obj(card)["name"]
    with pytest.raises(InputError, match="self-signature"):
        parse_card(_enc(obj))


def test_self_signature_from_another_card(card: bytes, other_card: bytes) -> None:
    obj = _obj(card)
    for half in ("p384", "mldsa87"):
        mixed = copy.deepcopy(obj)
        mixed["self_signature"][half] = _obj(other_card)["self_signature"][half]
        with pytest.raises(InputError, match="self-signature"):
            parse_card(_enc(mixed))


@pytest.mark.parametrize("half", ["p384", "mldsa87"])
def test_stripped_self_signature_half(card: bytes, half: str) -> None:
    obj = _obj(card)
    obj["self_signature"][half] = ""
    with pytest.raises(InputError):
        parse_card(_enc(obj))
    del obj["self_signature"][half]
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize("domain", [Domain.CHECKPOINT, Domain.PACKAGE], ids=lambda d: d.name)
def test_self_signature_in_another_domain(me: PrivateIdentity, card: bytes, domain: Domain) -> None:
    obj = _obj(card)
    body = {k: v for k, v in obj.items() if k not in ("fingerprints", "self_signature")}
    if domain is Domain.PACKAGE:
        with pytest.raises(InputError, match="SHA384SUMS"):
            me.signing.sign(domain, canonical(body))
        return
    signature = me.signing.sign(domain, canonical(body))
    obj["self_signature"] = {
        "p384": base64.b64encode(signature.p384_der).decode(),
        "mldsa87": base64.b64encode(signature.mldsa87).decode(),
    }
    with pytest.raises(InputError, match="self-signature"):
        parse_card(_enc(obj))
    # Control: the same construction with the identity domain is accepted.
    good = me.signing.sign(Domain.IDENTITY, canonical(body))
    obj["self_signature"] = {
        "p384": base64.b64encode(good.p384_der).decode(),
        "mldsa87": base64.b64encode(good.mldsa87).decode(),
    }
    assert parse_card(_enc(obj)).name == NAME


def test_self_signature_failure_is_input_error_not_crypto_error(card: bytes) -> None:
    obj = _obj(card)
    obj["name"] = "x"
    with pytest.raises(InputError) as info:
        parse_card(_enc(obj))
    assert not isinstance(info.value, CryptoError)


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_truncated_json(card: bytes, fraction: float) -> None:
    with pytest.raises(InputError):
        parse_card(card[: int(len(card) * fraction)])


def test_truncated_by_one_brace(card: bytes) -> None:
    with pytest.raises(InputError):
        parse_card(card.rstrip()[:-1])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("format", "reviewstation-identity-x"),
        ("format", "REVIEWSTATION-IDENTITY"),
        ("format", None),
        ("format", 1),
        ("version", 2),
        ("version", 0),
        ("version", "1"),
        ("version", None),
        ("version", [1]),
    ],
)
def test_wrong_format_or_version(card: bytes, field: str, value: object) -> None:
    obj = _obj(card)
    obj[field] = value
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize("version", [True, 1.0])
def test_version_must_be_the_integer_one(card: bytes, version: object) -> None:
    obj = _obj(card)
    obj["version"] = version
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize("field", ["format", "version"])
def test_missing_format_or_version(card: bytes, field: str) -> None:
    obj = _obj(card)
    del obj[field]
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize(
    "field", ["name", "role", "vault_id", "signing", "recipient", "self_signature"]
)
def test_missing_required_field(card: bytes, field: str) -> None:
    obj = _obj(card)
    del obj[field]
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 5),
        ("name", None),
        ("name", ["Zoë"]),
        ("role", {"r": 1}),
        ("vault_id", True),
        ("signing", "key"),
        ("signing", None),
        ("recipient", []),
        ("self_signature", "sig"),
        ("self_signature", None),
    ],
)
def test_wrong_field_types(card: bytes, field: str, value: object) -> None:
    obj = _obj(card)
    obj[field] = value
    with pytest.raises(InputError):
        parse_card(_enc(obj))


B64_FIELDS = [*SWAPS, ("self_signature", "p384"), ("self_signature", "mldsa87")]


@pytest.mark.parametrize(("group", "field"), B64_FIELDS)
@pytest.mark.parametrize(
    "value",
    ["!!!!", "abc", "QUJD\n", "QUJD====", "QUJDé", 1234, None, ["QUJD"]],
    ids=["bang", "bad-padding", "newline", "over-padded", "non-ascii", "int", "null", "list"],
)
def test_non_base64(card: bytes, group: str, field: str, value: object) -> None:
    obj = _obj(card)
    obj[group][field] = value
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize(("group", "field"), B64_FIELDS)
def test_base64_with_extra_byte(card: bytes, group: str, field: str) -> None:
    obj = _obj(card)
    obj[group][field] = base64.b64encode(_b64d(obj[group][field]) + b"\x00").decode()
    with pytest.raises(InputError):
        parse_card(_enc(obj))


@pytest.mark.parametrize(
    "data",
    [b"", b"null", b"1", b'"card"', b"[]", b"[{}]", b"{}", b"\xef\xbb\xbf{}", b"\xff\xfe"],
)
def test_not_a_card(data: bytes) -> None:
    with pytest.raises(InputError):
        parse_card(data)


def test_ten_megabyte_card(card: bytes) -> None:
    obj = _obj(card)
    obj["padding"] = "A" * (10 * 1024 * 1024)
    with pytest.raises(InputError, match="too large"):
        parse_card(_enc(obj))
    with pytest.raises(InputError, match="too large"):
        parse_card(card + b" " * (MAX_CARD_BYTES + 1 - len(card)))


def test_card_just_under_the_limit_still_parses(card: bytes) -> None:
    padded = card.rstrip(b"\n") + b" " * (MAX_CARD_BYTES - len(card) + 1)
    assert len(padded) == MAX_CARD_BYTES
    assert parse_card(padded).name == NAME


@pytest.mark.parametrize("depth", [65, 1000, 30000])
def test_deeply_nested_json(depth: int) -> None:
    with pytest.raises(InputError):
        parse_card(b"[" * depth + b"]" * depth)
    with pytest.raises(InputError):
        parse_card(b'{"a":' * depth + b"1" + b"}" * depth)


def test_deeply_nested_field_inside_a_card(card: bytes) -> None:
    obj = _obj(card)
    nested: Any = "x"
    for _ in range(80):
        nested = [nested]
    obj["extra"] = nested
    with pytest.raises(InputError, match="nested"):
        parse_card(_enc(obj))


def test_unknown_extra_fields_do_not_change_identity(card: bytes) -> None:
    obj = _obj(card)
    obj["comment"] = "harmless"
    assert parse_card(_enc(obj)).fingerprints() == parse_card(card).fingerprints()


@pytest.mark.parametrize("field", ["name", "role", "vault_id"])
def test_lone_surrogate_in_text_field(card: bytes, field: str) -> None:
    obj = _obj(card)
    obj[field] = "Zo\ud800"
    data = json.dumps(obj).encode("ascii")  # ensure_ascii: the surrogate travels as \ud800
    with pytest.raises(InputError):
        parse_card(data)


def test_public_identity_body_is_what_is_signed(me: PrivateIdentity, card: bytes) -> None:
    """The signed bytes are the canonical card minus fingerprints and self_signature."""
    obj = _obj(card)
    body = {k: v for k, v in obj.items() if k not in ("fingerprints", "self_signature")}
    signature = obj["self_signature"]
    public: PublicIdentity = parse_card(card)
    public.signing.verify(
        Domain.IDENTITY,
        canonical(body),
        HybridSignature(_b64d(signature["p384"]), _b64d(signature["mldsa87"])),
    )
