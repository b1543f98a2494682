"""Inspection summaries as types: one dataclass per format, one validating constructor each.

An inspection crosses layers: the inspectors compute it at import, the vault stores it as JSON
in ``artifacts.inspection``, and the GUI panels, the command line and package import read it
back. Stored summaries come from older versions; a summary imported from a package under
``sender_inspection`` is the sending vault's *claim*. All of them pass through the same
constructor, ``parse_inspection``, which dispatches on ``format`` to the class's ``from_json``:

- every field's type and bounds are checked; a value of the wrong type, a negative size, an
  unknown verdict or risk is dropped (or made safer) and a one-sentence note says so
  (``notes``, never stored);
- lists, texts, mappings and nesting are cut to limits above anything an inspector writes, so
  an honest summary round-trips exactly (``parse_inspection(d).to_json() == d``) and a hostile
  one stays small;
- a claim is labelled (``is_claim``) and cannot carry a further claim. What the sender said
  is stored as said (bounded, without any nested claim) and checked each time it is read, so
  what the constructor refuses in it stays visible.

``from_json`` refuses (``InputError``) only what is not a JSON object; ``parse_inspection``
turns even that into an ``OtherSummary`` with an error, so a damaged row never stops a listing.
Nothing here imports Qt or the inspectors themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import Any, ClassVar, TypeAlias

from reviewstation.errors import InputError

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"

SENDER_INSPECTION = "sender_inspection"  # the key under which a sender's claim is stored
KINDS = (
    "weights",
    "model_card",
    "system_card",
    "eval_log",
    "eval_report",
    "signature",
    "config",
    "document",
    "dataset",
    "other",
)
TEXT_FORMATS = ("text", "markdown", "json", "jsonl", "csv")
PICKLE_FORMATS = ("pickle", "pytorch-zip", "zip-with-pickles", "tar-with-pickles")
WEIGHT_FORMATS = ("safetensors", "gguf")
# Worst first. Only "expected" is mild: every import on the allow-list AND everything scanned.
# "incomplete": some content was not scanned (a limit, a cut, bytes that are not a pickle).
VERDICTS = ("dangerous", "unknown-imports", "incomplete", "expected")
RISKS = ("dangerous", "unknown", "expected")  # worst first

# Limits, each above what an inspector writes (so honest summaries round-trip) and small
# enough that a hostile stored summary or claim cannot grow a panel without bound.
TEXT = 4_000  # characters of an ordinary string field
LONG_TEXT = 250_000  # a preview or a transcript message (the view keeps 200,000 + a note)
TEMPLATE = 100_200  # a GGUF chat template (the inspector cuts at 100,000 plus a note)
NAME = 400  # a name, path, key or short label
ITEMS = 200  # entries of an ordinary list
MAX_WARNINGS = 200
MAX_METRICS = 2_500  # 50 scores x 50 metrics
MAX_SAMPLES = 500  # the detailed view's limit
MAX_MESSAGES = 2_000
MAX_NOTES = 20
JSON_ITEMS = 200
JSON_DEPTH = 12


class _Fields:
    """Typed reads from one JSON object, collecting a note for each value it refuses."""

    def __init__(self, obj: Mapping[str, Any], notes: list[str], where: str = "") -> None:
        self.obj = obj
        self.notes = notes
        self.where = where

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)
        elif len(self.notes) == MAX_NOTES:
            self.notes.append("… further malformed fields are not listed.")

    def name(self, key: str) -> str:
        return f"{self.where}{key}"

    def refuse(self, key: str, expected: str) -> None:
        self.note(f"'{_cut(self.name(key), 100)}' is not {expected}; it is not shown.")

    def sub(self, key: str) -> _Fields | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.refuse(key, "an object")
            return None
        return _Fields(value, self.notes, f"{self.name(key)}.")

    def at(self, key: str, index: int, value: Any) -> _Fields | None:
        if not isinstance(value, dict):
            self.note(f"'{_cut(self.name(key), 100)}[{index}]' is not an object; left out.")
            return None
        return _Fields(value, self.notes, f"{self.name(key)}[{index}].")

    def text(self, key: str, limit: int = TEXT) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.refuse(key, "text")
            return None
        return _cut(value, limit)

    def count(self, key: str) -> int | None:
        """A whole number of zero or more (sizes, counts)."""
        value = self.obj.get(key)
        if value is None:
            return None
        if type(value) is not int or value < 0:
            self.refuse(key, "a whole number of zero or more")
            return None
        return value

    def integer(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if type(value) is not int:
            self.refuse(key, "a whole number")
            return None
        return value

    def flag(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.refuse(key, "true or false")
            return None
        return value

    def items(self, key: str, limit: int) -> list[Any] | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.refuse(key, "a list")
            return None
        if len(value) > limit:
            self.note(
                f"'{_cut(self.name(key), 100)}' has {len(value):,} entries;"
                f" only the first {limit:,} are kept."
            )
        return value[:limit]

    def texts(self, key: str, limit: int = ITEMS, chars: int = TEXT) -> tuple[str, ...] | None:
        values = self.items(key, limit)
        if values is None:
            return None
        if not all(isinstance(v, str) for v in values):
            self.note(f"'{_cut(self.name(key), 100)}' holds entries that are not text; left out.")
        return tuple(_cut(v, chars) for v in values if isinstance(v, str))

    def tally(self, key: str) -> dict[str, int] | None:
        """A mapping of names to counts ({"F32": 3})."""
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.refuse(key, "a mapping of names to counts")
            return None
        out = {
            _cut(str(k), NAME): v
            for k, v in list(value.items())[:ITEMS]
            if type(v) is int and v >= 0
        }
        if len(out) != len(value):
            self.note(f"'{_cut(self.name(key), 100)}' has entries that are not counts; left out.")
        return out

    def json(self, key: str, *, text: int = TEXT) -> JsonValue:
        return json_value(self.obj.get(key), text=text)

    def mapping(self, key: str, *, text: int = TEXT) -> dict[str, JsonValue] | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.refuse(key, "an object")
            return None
        out = json_value(value, text=text)
        assert isinstance(out, dict)
        return out

    def choice(self, key: str, allowed: tuple[str, ...], fallback: str | None) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if value not in allowed:
            self.note(
                f"'{_cut(self.name(key), 100)}' is not one of {', '.join(allowed)};"
                + (f" shown as {fallback!r}." if fallback else " it is not shown.")
            )
            return fallback
        return str(value)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [{len(text) - limit} more characters]"


def json_value(
    value: Any, *, text: int = TEXT, items: int = JSON_ITEMS, depth: int = JSON_DEPTH
) -> JsonValue:
    """A JSON value with long strings, long lists, big mappings and deep nesting cut."""
    if isinstance(value, str):
        return _cut(value, text)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth <= 0:
        return "…"
    if isinstance(value, dict):
        out: dict[str, JsonValue] = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= items:
                out["…"] = f"{len(value) - items} more entries"
                break
            out[_cut(str(key), NAME)] = json_value(item, text=text, items=items, depth=depth - 1)
        return out
    if isinstance(value, list | tuple):
        clipped = [json_value(v, text=text, items=items, depth=depth - 1) for v in value[:items]]
        if len(value) > items:
            clipped.append(f"… {len(value) - items} more items")
        return clipped
    return _cut(repr(value), NAME)


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Keys an inspector writes only sometimes are written back only when present."""
    if value is not None:
        out[key] = value


# -- the common part ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Summary:
    """What every summary has. ``claim`` is the sender's summary of imported evidence;
    ``is_claim`` marks a summary that *is* such a claim (not made by this vault)."""

    FORMATS: ClassVar[tuple[str, ...]] = ()

    format: str
    kind: str | None = None
    size: int | None = None  # "bytes"
    inspector: int | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what the constructor refused or cut; not stored
    claim: Inspection | None = None
    claim_json: dict[str, JsonValue] | None = None  # the claim as the sender said it, bounded
    is_claim: bool = False

    @property
    def can_run_code(self) -> bool:
        return False

    @property
    def trusted(self) -> bool | None:
        return None

    @property
    def error(self) -> str | None:
        """Why the inspector could not read the file (``OtherSummary`` only)."""
        return None

    def _common_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": self.format}
        _put(out, "kind", self.kind)
        return out

    def _finish_json(self, out: dict[str, Any]) -> dict[str, Any]:
        out["warnings"] = list(self.warnings)
        _put(out, "bytes", self.size)
        _put(out, "inspector", self.inspector)
        if self.claim_json is not None:
            out[SENDER_INSPECTION] = self.claim_json
        elif self.claim is not None:
            out[SENDER_INSPECTION] = self.claim.to_json()
        return out

    def to_json(self) -> dict[str, Any]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError


def _common(f: _Fields, fmt: str, claim: bool) -> dict[str, Any]:
    kind = f.obj.get("kind")
    if kind is not None and kind not in KINDS:
        f.note(f"'kind' is not one of the known kinds; {_cut(str(kind), 40)!r} is not shown.")
        kind = None
    nested = f.obj.get(SENDER_INSPECTION)
    sender: Inspection | None = None
    said: dict[str, JsonValue] | None = None
    if nested is not None:
        if claim:
            f.note("A claim inside the sender's claim was dropped (claims do not nest).")
        elif not isinstance(nested, dict):
            f.refuse(SENDER_INSPECTION, "an object")
        elif nested:
            sender, said = _claim(nested)
    return {
        "format": fmt,
        "kind": kind,
        "size": f.count("bytes"),
        "inspector": f.count("inspector"),
        "warnings": f.texts("warnings", MAX_WARNINGS) or (),
        "claim": sender,
        "claim_json": said,
        "is_claim": claim,
    }


def _claim(said: dict[str, Any]) -> tuple[Inspection, dict[str, JsonValue]]:
    """A sender's claim, checked, and as said (bounded, any nested claim left out)."""
    kept = json_value({k: v for k, v in said.items() if k != SENDER_INSPECTION})
    assert isinstance(kept, dict)
    return parse_inspection(said, claim=True), kept


def _start(obj: object, formats: tuple[str, ...], what: str) -> tuple[_Fields, str]:
    if not isinstance(obj, dict):
        raise InputError(f"The {what} summary is not a JSON object; it cannot be shown.")
    fmt = obj.get("format")
    if formats and fmt not in formats:
        raise InputError(f"The summary's format is not {what}; it cannot be read as one.")
    return _Fields(obj, []), str(fmt)


# -- safetensors and GGUF ----------------------------------------------------------------


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]


def _tensors(f: _Fields, key: str) -> tuple[Tensor, ...] | None:
    listed = f.items(key, ITEMS)
    if listed is None:
        return None
    out = []
    for index, item in enumerate(listed):
        t = f.at(key, index, item)
        if t is None:
            continue
        name, dtype, shape = t.text("name", NAME), t.text("dtype", 40), t.items("shape", 16)
        if name is None or dtype is None or shape is None:
            t.note(f"'{key}[{index}]' lacks a name, a type or a shape; left out.")
            continue
        if not all(type(d) is int and d >= 0 for d in shape):
            t.note(f"'{key}[{index}].shape' is not a list of sizes; left out.")
            continue
        out.append(Tensor(name, dtype, tuple(shape)))
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class SafetensorsSummary(Summary):
    FORMATS: ClassVar[tuple[str, ...]] = ("safetensors",)

    header_trusted: bool | None = None  # "trusted": the header's claims match the file
    header_bytes: int | None = None
    data_bytes: int | None = None
    tensor_count: int | None = None
    metadata: dict[str, JsonValue] | None = None
    parameter_count: int | None = None
    dtypes: dict[str, int] | None = None
    tensors: tuple[Tensor, ...] | None = None
    problems: tuple[str, ...] | None = None

    @property
    def trusted(self) -> bool | None:
        return self.header_trusted

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> SafetensorsSummary:
        f, fmt = _start(obj, cls.FORMATS, "safetensors")
        common = _common(f, fmt, claim)
        return cls(
            **common,
            header_trusted=f.flag("trusted"),
            header_bytes=f.count("header_bytes"),
            data_bytes=f.count("data_bytes"),
            tensor_count=f.count("tensor_count"),
            metadata=f.mapping("metadata"),
            parameter_count=f.count("parameter_count"),
            dtypes=f.tally("dtypes"),
            tensors=_tensors(f, "tensors"),
            problems=f.texts("problems", ITEMS),
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        out.update(
            {
                "trusted": self.header_trusted,
                "header_bytes": self.header_bytes,
                "data_bytes": self.data_bytes,
                "tensor_count": self.tensor_count,
                "metadata": self.metadata,
            }
        )
        _put(out, "parameter_count", self.parameter_count)
        _put(out, "dtypes", self.dtypes)
        if self.tensors is not None:
            out["tensors"] = [
                {"name": t.name, "dtype": t.dtype, "shape": list(t.shape)} for t in self.tensors
            ]
        if self.problems is not None:
            out["problems"] = list(self.problems)
        return self._finish_json(out)


@dataclass(frozen=True, kw_only=True)
class GgufSummary(Summary):
    FORMATS: ClassVar[tuple[str, ...]] = ("gguf",)

    version: int | None = None
    byte_order: str | None = None
    layout_trusted: bool | None = None  # "trusted": tensor extents fit the file
    architecture: str | None = None
    name: str | None = None
    tensor_count: int | None = None
    metadata_count: int | None = None
    parameter_count: int | None = None
    file_type: str | int | None = None  # a known name, or the number when unknown
    quantization_version: int | None = None
    tensor_types: dict[str, int] | None = None
    metadata: dict[str, JsonValue] | None = None
    # tokenizer.chat_template[.<name>]: whole text, newlines kept (the inspector cuts it)
    chat_templates: dict[str, str] | None = None
    problems: tuple[str, ...] | None = None

    @property
    def trusted(self) -> bool | None:
        return self.layout_trusted

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> GgufSummary:
        f, fmt = _start(obj, cls.FORMATS, "GGUF")
        common = _common(f, fmt, claim)
        file_type: str | int | None = None
        raw = f.obj.get("file_type")
        if type(raw) is int:
            file_type = raw
        elif raw is not None:
            file_type = f.text("file_type", 80)
        return cls(
            **common,
            version=f.count("version"),
            byte_order=f.choice("byte_order", ("little", "big"), None),
            layout_trusted=f.flag("trusted"),
            architecture=f.text("architecture", TEXT),
            name=f.text("name", TEXT),
            tensor_count=f.count("tensor_count"),
            metadata_count=f.count("metadata_count"),
            parameter_count=f.count("parameter_count"),
            file_type=file_type,
            quantization_version=f.integer("quantization_version"),
            tensor_types=f.tally("tensor_types"),
            metadata=f.mapping("metadata"),
            chat_templates=_templates(f, "chat_templates"),
            problems=f.texts("problems", ITEMS),
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        out.update(
            {
                "version": self.version,
                "byte_order": self.byte_order,
                "trusted": self.layout_trusted,
                "architecture": self.architecture,
                "name": self.name,
                "tensor_count": self.tensor_count,
                "metadata_count": self.metadata_count,
                "parameter_count": self.parameter_count,
                "file_type": self.file_type,
                "quantization_version": self.quantization_version,
                "tensor_types": self.tensor_types,
                "metadata": self.metadata,
            }
        )
        _put(out, "chat_templates", self.chat_templates)
        if self.problems is not None:
            out["problems"] = list(self.problems)
        return self._finish_json(out)


def _templates(f: _Fields, key: str) -> dict[str, str] | None:
    """A mapping of template names to template text, each kept up to TEMPLATE characters."""
    value = f.mapping(key, text=TEMPLATE)
    if value is None:
        return None
    out = {k: v for k, v in value.items() if isinstance(v, str)}
    if len(out) != len(value):
        f.note(f"'{_cut(f.name(key), 100)}' has entries that are not text; left out.")
    return out


# -- pickles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PickleImport:
    callable: str
    count: int
    risk: str  # one of RISKS


@dataclass(frozen=True)
class ScannedMember:
    """One ``*.pkl`` member of a PyTorch ZIP: its verdict, or why it could not be scanned."""

    member: str
    verdict: str | None = None
    opcodes: int | None = None
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class PickleScan(Summary):
    """A pickle, or an archive of pickles (a PyTorch checkpoint, an ``.npz``, a Keras file):
    it can run code, whatever it says. ``not_scanned`` says what the scan could not read;
    with anything there the verdict is never "expected"."""

    FORMATS: ClassVar[tuple[str, ...]] = PICKLE_FORMATS

    verdict: str = "unknown-imports"
    imports: tuple[PickleImport, ...] = ()
    protocol: int | None = None
    pickle_count: int | None = None  # "pickles" of a plain pickle file
    opcodes: int | None = None
    calls: int | None = None
    members_scanned: tuple[ScannedMember, ...] | None = None  # "pickles" of a ZIP
    torchscript_code: tuple[str, ...] | None = None
    storages: int | None = None
    members: int | None = None
    not_scanned: tuple[str, ...] | None = None  # None: a summary from before the field
    container: str | None = None  # "joblib", "legacy torch.save", "NumPy .npy", "zlib-…"

    @property
    def can_run_code(self) -> bool:
        return True

    @property
    def is_zip(self) -> bool:
        return self.format in ("pytorch-zip", "zip-with-pickles", "tar-with-pickles")

    @property
    def dangerous(self) -> tuple[str, ...]:
        return tuple(i.callable for i in self.imports if i.risk == "dangerous")

    @property
    def incomplete(self) -> bool:
        """Something was not scanned (listed, or a member that could not be read)."""
        return bool(self.not_scanned) or any(
            m.error is not None for m in self.members_scanned or ()
        )

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> PickleScan:
        f, fmt = _start(obj, cls.FORMATS, "pickle")
        common = _common(f, fmt, claim)
        imports = []
        for index, item in enumerate(f.items("imports", ITEMS) or []):
            i = f.at("imports", index, item)
            if i is None:
                continue
            name = i.text("callable", NAME)
            if name is None:
                i.note(f"'imports[{index}]' names no callable; left out.")
                continue
            risk = i.choice("risk", RISKS, "unknown") or "unknown"
            imports.append(PickleImport(name, i.count("count") or 0, risk))
        scanned: tuple[ScannedMember, ...] | None = None
        count: int | None = None
        raw = f.obj.get("pickles")
        if isinstance(raw, list):
            members = []
            for index, item in enumerate(f.items("pickles", ITEMS) or []):
                m = f.at("pickles", index, item)
                if m is None:
                    continue
                members.append(
                    ScannedMember(
                        m.text("member", NAME) or "?",
                        m.choice("verdict", VERDICTS, "dangerous"),
                        m.count("opcodes"),
                        m.text("error", TEXT),
                    )
                )
            scanned = tuple(members)
        else:
            count = f.count("pickles")
        not_scanned = f.texts("not_scanned", ITEMS, TEXT)
        # A verdict this version does not know (a newer scanner's) is read as the worst, and
        # none is milder than what the imports and the unscanned parts allow.
        verdict = f.choice("verdict", VERDICTS, "dangerous") or "unknown-imports"
        risks = {i.risk for i in imports}
        floor = (
            "dangerous"
            if "dangerous" in risks
            else "unknown-imports"
            if "unknown" in risks
            else "incomplete"
            if not_scanned or any(m.error is not None for m in scanned or ())
            else "expected"
        )
        if VERDICTS.index(verdict) > VERDICTS.index(floor):
            f.note(
                f"The verdict {verdict!r} is milder than the imports and the unscanned parts"
                f" allow; shown as {floor!r}."
            )
            verdict = floor
        if verdict == "expected" and not_scanned is None:
            # Written by a scanner from before not_scanned (inspector 1: a deny list, the
            # first 16 ZIP members, silent limits): its "expected" is not this version's.
            f.note(
                "This summary comes from an older scanner that did not account for every"
                " part of the file; its 'expected' is shown as 'incomplete'. Re-import the"
                " file for a current verdict."
            )
            verdict = "incomplete"
        return cls(
            **common,
            verdict=verdict,
            imports=tuple(imports),
            protocol=f.count("protocol"),
            pickle_count=count,
            opcodes=f.count("opcodes"),
            calls=f.count("calls"),
            members_scanned=scanned,
            torchscript_code=f.texts("torchscript_code", ITEMS, NAME),
            storages=f.count("storages"),
            members=f.count("members"),
            not_scanned=not_scanned,
            container=f.text("container", NAME),
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        out["danger"] = "can-run-code"
        out["verdict"] = self.verdict
        imports = [{"callable": i.callable, "count": i.count, "risk": i.risk} for i in self.imports]
        if self.is_zip:
            pickles: list[dict[str, Any]] = []
            for m in self.members_scanned or ():
                entry: dict[str, Any] = {"member": m.member}
                if m.error is not None:
                    entry["error"] = m.error
                else:
                    entry["verdict"] = m.verdict
                    entry["opcodes"] = m.opcodes
                pickles.append(entry)
            out.update({"pickles": pickles, "imports": imports})
            if self.torchscript_code is not None:
                out["torchscript_code"] = list(self.torchscript_code)
            _put(out, "storages", self.storages)
            _put(out, "members", self.members)
        else:
            out.update(
                {
                    "protocol": self.protocol,
                    "pickles": self.pickle_count,
                    "opcodes": self.opcodes,
                    "calls": self.calls,
                    "imports": imports,
                }
            )
        if self.not_scanned is not None:
            out["not_scanned"] = list(self.not_scanned)
        _put(out, "container", self.container)
        return self._finish_json(out)


# -- Inspect evaluation logs -------------------------------------------------------------


@dataclass(frozen=True)
class EvalMetric:
    scorer: str | None
    name: str | None
    metric: str | None
    value: int | float | str | None
    reducer: str | None = None  # how epochs were reduced, when the log says


@dataclass(frozen=True)
class EvalDataset:
    name: str | None = None
    location: str | None = None
    samples: int | None = None


@dataclass(frozen=True)
class ToolCall:
    function: str | None
    arguments: str


@dataclass(frozen=True)
class EvalMessage:
    role: str | None
    content: str
    tool_calls: tuple[ToolCall, ...] | None = None
    function: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    has_error: bool = False


@dataclass(frozen=True)
class ScoreDetail:
    value: JsonValue
    answer: str
    explanation: str


@dataclass(frozen=True, kw_only=True)
class EvalSample:
    id: JsonValue
    epoch: int | None = None
    input: str = ""
    target: str | tuple[str, ...] = ""
    scores: dict[str, JsonValue] = field(default_factory=dict)
    error: str | None = None
    has_error: bool = False
    score_details: dict[str, ScoreDetail] | None = None  # the detailed view only
    messages: tuple[EvalMessage, ...] | None = None  # the detailed view only
    metadata: JsonValue = None
    has_metadata: bool = False
    digest: str | None = None  # the detailed view: SHA-384 of the resolved record
    notes: tuple[str, ...] = ()  # the detailed view: references left unresolved

    @property
    def key(self) -> str:
        """``ID`` or ``ID@EPOCH``: how evidence names the sample."""
        ident = self.id if isinstance(self.id, str) else _plain(self.id)
        return f"{ident}@{self.epoch}" if self.epoch is not None else ident

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "epoch": self.epoch,
            "input": self.input,
            "target": list(self.target) if isinstance(self.target, tuple) else self.target,
            "scores": self.scores,
        }
        if self.has_error:
            out["error"] = self.error
        if self.score_details is not None:
            out["score_details"] = {
                name: {"value": d.value, "answer": d.answer, "explanation": d.explanation}
                for name, d in self.score_details.items()
            }
        if self.messages is not None:
            out["messages"] = [_message_json(m) for m in self.messages]
        if self.has_metadata:
            out["metadata"] = self.metadata
        if self.digest is not None:
            out["digest"] = self.digest
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class UnreadableSample:
    """A sample member the inspector could not read."""

    member: str
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"member": self.member, "error": self.error}


def _metric_json(m: EvalMetric) -> dict[str, Any]:
    out: dict[str, Any] = {"scorer": m.scorer, "name": m.name, "metric": m.metric, "value": m.value}
    if m.reducer is not None:
        out["reducer"] = m.reducer
    return out


def _plain(value: JsonValue) -> str:
    return value if isinstance(value, str) else "null" if value is None else str(value)


def _message_json(m: EvalMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.tool_calls is not None:
        out["tool_calls"] = [
            {"function": c.function, "arguments": c.arguments} for c in m.tool_calls
        ]
    if m.function is not None:
        out["function"] = m.function
    if m.has_error:
        out["error"] = {"type": m.error_type, "message": m.error_message}
    return out


def _messages(f: _Fields) -> tuple[EvalMessage, ...] | None:
    listed = f.items("messages", MAX_MESSAGES)
    if listed is None:
        return None
    out = []
    for index, item in enumerate(listed):
        m = f.at("messages", index, item)
        if m is None:
            continue
        calls = None
        raw_calls = m.items("tool_calls", 50)
        if raw_calls is not None:
            calls = []
            for n, call in enumerate(raw_calls):
                c = m.at("tool_calls", n, call)
                if c is not None:
                    calls.append(
                        ToolCall(c.text("function", NAME), c.text("arguments", LONG_TEXT) or "")
                    )
        error = m.sub("error")
        out.append(
            EvalMessage(
                role=m.text("role", 40),
                content=m.text("content", LONG_TEXT) or "",
                tool_calls=None if calls is None else tuple(calls),
                function=m.text("function", NAME),
                error_type=error.text("type", 80) if error else None,
                error_message=error.text("message", TEXT) if error else None,
                has_error=error is not None,
            )
        )
    return tuple(out)


def _sample(f: _Fields) -> EvalSample | UnreadableSample:
    if "member" in f.obj and "error" in f.obj and "input" not in f.obj:
        return UnreadableSample(f.text("member", NAME) or "?", f.text("error", TEXT) or "?")
    raw_target = f.obj.get("target")
    target: str | tuple[str, ...]
    if isinstance(raw_target, list):
        target = f.texts("target", 20, LONG_TEXT) or ()
    else:
        target = f.text("target", LONG_TEXT) or ""
    scores = f.mapping("scores") or {}
    details = None
    raw_details = f.sub("score_details")
    if raw_details is not None:
        details = {}
        for name in list(raw_details.obj)[:20]:
            d = raw_details.sub(name)
            if d is not None:
                details[_cut(str(name), NAME)] = ScoreDetail(
                    d.json("value"),
                    d.text("answer", LONG_TEXT) or "",
                    d.text("explanation", LONG_TEXT) or "",
                )
    return EvalSample(
        id=f.json("id", text=NAME),
        epoch=f.integer("epoch"),
        input=f.text("input", LONG_TEXT) or "",
        target=target,
        scores=scores,
        error=f.text("error", TEXT),
        has_error="error" in f.obj,
        score_details=details,
        messages=_messages(f),
        metadata=f.json("metadata"),
        has_metadata="metadata" in f.obj,
        digest=f.text("digest", 96),
        notes=f.texts("notes", 20, TEXT) or (),
    )


@dataclass(frozen=True, kw_only=True)
class InspectLog(Summary):
    """An Inspect (inspect_ai) evaluation log: the summary, or with transcripts the view."""

    FORMATS: ClassVar[tuple[str, ...]] = ("inspect-eval",)

    container: str | None = None
    log_version: int | None = None
    status: str | None = None
    task: str | None = None
    task_version: JsonValue = None
    task_file: str | None = None
    model: str | None = None
    created: str | None = None
    dataset: EvalDataset = field(default_factory=EvalDataset)
    solvers: tuple[str, ...] = ()
    scorers: tuple[str, ...] = ()
    metrics: tuple[EvalMetric, ...] = ()
    total_samples: int | None = None
    completed_samples: int | None = None
    started_at: str | None = None
    completed_at: str | None = None
    inspect_version: str | None = None
    eval_error: str | None = None  # "error": the evaluation itself ended with an error
    has_eval_error: bool = False
    sample_count: int | None = None
    compression: str | None = None
    samples: tuple[EvalSample | UnreadableSample, ...] = ()

    @property
    def readable_samples(self) -> tuple[EvalSample, ...]:
        return tuple(s for s in self.samples if isinstance(s, EvalSample))

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> InspectLog:
        f, fmt = _start(obj, cls.FORMATS, "Inspect log")
        common = _common(f, fmt, claim)
        dataset = f.sub("dataset")
        metrics = []
        for index, item in enumerate(f.items("metrics", MAX_METRICS) or []):
            m = f.at("metrics", index, item)
            if m is None:
                continue
            value = m.obj.get("value")
            if not (value is None or isinstance(value, str | int | float)):
                m.refuse("value", "a number or text")
                value = None
            elif isinstance(value, str):
                value = _cut(value, NAME)
            metrics.append(
                EvalMetric(
                    m.text("scorer", NAME),
                    m.text("name", NAME),
                    m.text("metric", NAME),
                    value,
                    m.text("reducer", NAME),
                )
            )
        samples: list[EvalSample | UnreadableSample] = []
        for index, item in enumerate(f.items("samples", MAX_SAMPLES) or []):
            s = f.at("samples", index, item)
            if s is not None:
                samples.append(_sample(s))
        return cls(
            **common,
            container=f.text("container", 40),
            log_version=f.integer("log_version"),
            status=f.text("status", 40),
            task=f.text("task", NAME),
            task_version=f.json("task_version"),
            task_file=f.text("task_file", NAME),
            model=f.text("model", NAME),
            created=f.text("created", 80),
            dataset=EvalDataset(
                dataset.text("name", NAME), dataset.text("location", NAME), dataset.count("samples")
            )
            if dataset is not None
            else EvalDataset(),
            solvers=f.texts("solvers", ITEMS, NAME) or (),
            scorers=f.texts("scorers", ITEMS, NAME) or (),
            metrics=tuple(metrics),
            total_samples=f.count("total_samples"),
            completed_samples=f.count("completed_samples"),
            started_at=f.text("started_at", 80),
            completed_at=f.text("completed_at", 80),
            inspect_version=f.text("inspect_version", 80),
            eval_error=f.text("error", TEXT),
            has_eval_error="error" in f.obj,
            sample_count=f.count("sample_count"),
            compression=f.text("compression", 40),
            samples=tuple(samples),
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        out.update(
            {
                "container": self.container,
                "log_version": self.log_version,
                "status": self.status,
                "task": self.task,
                "task_version": self.task_version,
                "task_file": self.task_file,
                "model": self.model,
                "created": self.created,
                "dataset": {
                    "name": self.dataset.name,
                    "location": self.dataset.location,
                    "samples": self.dataset.samples,
                },
                "solvers": list(self.solvers),
                "scorers": list(self.scorers),
                "metrics": [_metric_json(m) for m in self.metrics],
                "total_samples": self.total_samples,
                "completed_samples": self.completed_samples,
                "started_at": self.started_at,
                "completed_at": self.completed_at,
                "inspect_version": self.inspect_version,
            }
        )
        if self.has_eval_error:
            out["error"] = self.eval_error
        out["sample_count"] = self.sample_count
        _put(out, "compression", self.compression)
        out["samples"] = [s.to_json() for s in self.samples]
        return self._finish_json(out)


# -- text previews -----------------------------------------------------------------------


@dataclass(frozen=True)
class JsonShape:
    parsed: bool
    type: str | None = None
    keys: tuple[str, ...] | None = None
    key_count: int | None = None
    length: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CsvShape:
    parsed: bool
    header: tuple[str, ...] = ()
    columns: int | None = None
    sample_rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, kw_only=True)
class TextPreview(Summary):
    FORMATS: ClassVar[tuple[str, ...]] = TEXT_FORMATS

    preview: str = ""
    preview_complete: bool = False
    lines: int | None = None
    headings: tuple[str, ...] | None = None
    json_shape: JsonShape | None = None
    first_records: JsonValue = None
    has_first_records: bool = False
    csv_shape: CsvShape | None = None

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> TextPreview:
        f, fmt = _start(obj, cls.FORMATS, "text")
        common = _common(f, fmt, claim)
        shape = None
        j = f.sub("json")
        if j is not None:
            shape = JsonShape(
                parsed=j.flag("parsed") is True,
                type=j.text("type", 40),
                keys=j.texts("keys", ITEMS, NAME),
                key_count=j.count("key_count"),
                length=j.count("length"),
                reason=j.text("reason", TEXT),
            )
        sheet = None
        c = f.sub("csv")
        if c is not None:
            rows = []
            for index, row in enumerate(c.items("sample_rows", 50) or []):
                if isinstance(row, list):
                    rows.append(tuple(_cut(v, NAME) for v in row[:ITEMS] if isinstance(v, str)))
                else:
                    c.note(f"'csv.sample_rows[{index}]' is not a row; left out.")
            sheet = CsvShape(
                parsed=c.flag("parsed") is True,
                header=c.texts("header", ITEMS, NAME) or (),
                columns=c.count("columns"),
                sample_rows=tuple(rows),
            )
        return cls(
            **common,
            preview=f.text("preview", LONG_TEXT) or "",
            preview_complete=f.flag("preview_complete") is True,
            lines=f.count("lines"),
            headings=f.texts("headings", ITEMS, NAME),
            json_shape=shape,
            first_records=f.json("first_records"),
            has_first_records="first_records" in f.obj,
            csv_shape=sheet,
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        out.update(
            {
                "preview": self.preview,
                "preview_complete": self.preview_complete,
                "lines": self.lines,
            }
        )
        if self.headings is not None:
            out["headings"] = list(self.headings)
        if self.json_shape is not None:
            s = self.json_shape
            shape: dict[str, Any] = {"parsed": s.parsed}
            if s.parsed:
                shape["type"] = s.type
                if s.keys is not None:
                    shape["keys"] = list(s.keys)
                _put(shape, "key_count", s.key_count)
                _put(shape, "length", s.length)
            else:
                shape["reason"] = s.reason
            out["json"] = shape
        if self.has_first_records:
            out["first_records"] = self.first_records
        if self.csv_shape is not None:
            c = self.csv_shape
            out["csv"] = (
                {
                    "parsed": True,
                    "header": list(c.header),
                    "columns": c.columns,
                    "sample_rows": [list(r) for r in c.sample_rows],
                }
                if c.parsed
                else {"parsed": False}
            )
        return self._finish_json(out)


# -- model signature bundles -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ModelSignatureSummary(Summary):
    """An OpenSSF model signing bundle as read at import (checked later, with a key)."""

    FORMATS: ClassVar[tuple[str, ...]] = ("model-signing",)

    media_type: str | None = None
    predicate_type: str | None = None
    model_name: str | None = None
    serialization: str | None = None
    resources: int | None = None
    files: tuple[str, ...] = ()
    verification_material: str | None = None
    key_hint: str | None = None
    problems: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> ModelSignatureSummary:
        f, fmt = _start(obj, cls.FORMATS, "model signature")
        common = _common(f, fmt, claim)
        if f.obj.get("verified") is not None:
            f.note("'verified' is only ever set by a check with a key here; it is ignored.")
        return cls(
            **common,
            media_type=f.text("media_type", NAME),
            predicate_type=f.text("predicate_type", NAME),
            model_name=f.text("model_name", NAME),
            serialization=f.text("serialization", 80),
            resources=f.count("resources"),
            files=f.texts("files", ITEMS, NAME) or (),
            verification_material=f.choice(
                "verification_material", ("public-key", "certificate", "unknown"), "unknown"
            ),
            key_hint=f.text("key_hint", NAME),
            problems=f.texts("problems", ITEMS) or (),
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        out.update(
            {
                "media_type": self.media_type,
                "predicate_type": self.predicate_type,
                "model_name": self.model_name,
                "serialization": self.serialization,
                "resources": self.resources,
                "files": list(self.files),
                "verification_material": self.verification_material,
                "key_hint": self.key_hint,
                "verified": None,
                "problems": list(self.problems),
            }
        )
        return self._finish_json(out)


# -- anything else -----------------------------------------------------------------------

_COMMON_KEYS = ("format", "kind", "bytes", "inspector", "warnings", "error", SENDER_INSPECTION)


@dataclass(frozen=True, kw_only=True)
class OtherSummary(Summary):
    """ZIP archives, PDFs, other binaries, unknown formats, and any file the inspector could
    not read (``error``): the remaining fields are kept as bounded JSON for a listing."""

    failure: str | None = None  # "error"
    fields: dict[str, JsonValue] = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.failure

    @property
    def can_run_code(self) -> bool:
        """A pickle, or a checkpoint archive, that could not be read at all: unscanned, so
        it can run code as far as anyone here knows."""
        return self.failure is not None and (
            self.format in PICKLE_FORMATS or (self.format == "zip" and self.kind == "weights")
        )

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> OtherSummary:
        f, fmt = _start(obj, (), "stored")
        raw = f.obj.get("format")
        if raw is None:
            fmt = "unknown"
        elif not isinstance(raw, str) or not raw or len(raw) > 40:
            f.refuse("format", "a format name")
            fmt = "unknown"
        common = _common(f, fmt, claim)
        failure = f.obj.get("error")
        if failure is not None and not isinstance(failure, str):
            failure = "the stored error is not text"
        rest = {k: v for k, v in f.obj.items() if k not in _COMMON_KEYS}
        fields = json_value(rest, text=TEXT, items=JSON_ITEMS, depth=8)
        assert isinstance(fields, dict)
        return cls(
            **common,
            failure=None if failure is None else _cut(failure, TEXT),
            fields=fields,
            notes=tuple(f.notes),
        )

    def to_json(self) -> dict[str, Any]:
        out = self._common_json()
        _put(out, "error", self.failure)
        out.update(self.fields)
        return self._finish_json(out)


@dataclass(frozen=True, kw_only=True)
class ModelFileSummary(OtherSummary):
    """ONNX models, Keras files (``.keras`` without pickles, legacy HDF5), plain NumPy arrays
    and ``.npz`` archives, sharded checkpoint indexes: read structurally, shown as bounded
    fields. Two fields carry meaning beyond display: ``danger`` ("can-run-code": a Keras
    Lambda layer or custom object) and ``trusted`` / ``problems`` (a header that does not add
    up, paths that leave the file's folder)."""

    FORMATS: ClassVar[tuple[str, ...]] = ("onnx", "keras", "hdf5", "npy", "npz", "sharded-index")

    @property
    def can_run_code(self) -> bool:
        return super().can_run_code or self.fields.get("danger") == "can-run-code"

    @property
    def trusted(self) -> bool | None:
        value = self.fields.get("trusted")
        return value if isinstance(value, bool) else None

    @property
    def problems(self) -> tuple[str, ...]:
        raw = self.fields.get("problems")
        return tuple(p for p in raw if isinstance(p, str)) if isinstance(raw, list) else ()

    @classmethod
    def from_json(cls, obj: object, *, claim: bool = False) -> ModelFileSummary:
        base = OtherSummary.from_json(obj, claim=claim)
        notes = list(base.notes)
        fields = dict(base.fields)
        danger = fields.get("danger")
        if danger is not None and danger != "can-run-code":
            notes.append("'danger' is not 'can-run-code'; shown as 'can-run-code'.")
            fields["danger"] = "can-run-code"  # an unknown danger is read as the worst
        trusted = fields.get("trusted")
        if trusted is not None and not isinstance(trusted, bool):
            notes.append("'trusted' is not true or false; shown as false.")
            fields["trusted"] = False
        if trusted is True and fields.get("problems"):
            notes.append("'trusted' is true beside listed problems; shown as false.")
            fields["trusted"] = False
        values = {f.name: getattr(base, f.name) for f in dataclass_fields(OtherSummary)}
        values.update(fields=fields, notes=tuple(notes))
        return cls(**values)


Inspection: TypeAlias = (
    SafetensorsSummary
    | GgufSummary
    | PickleScan
    | InspectLog
    | TextPreview
    | ModelSignatureSummary
    | ModelFileSummary
    | OtherSummary
)
_BY_FORMAT: dict[str, Any] = {
    fmt: kind
    for kind in (
        SafetensorsSummary,
        GgufSummary,
        PickleScan,
        InspectLog,
        TextPreview,
        ModelSignatureSummary,
        ModelFileSummary,
    )
    for fmt in kind.FORMATS
}


def parse_inspection(obj: object, *, claim: bool = False) -> Inspection:
    """The one door from JSON to a summary: stored rows, fresh inspector output, views and
    senders' claims. Never raises: what cannot be read becomes an ``OtherSummary`` that says
    so. A summary with ``error`` (the inspector could not read the file) is an
    ``OtherSummary`` whatever its format, except an Inspect log, whose ``error`` is the
    evaluation's own."""
    if not isinstance(obj, dict):
        what = "The sender's summary" if claim else "The stored summary"
        return OtherSummary(
            format="unknown",
            failure=f"{what} is not a JSON object; nothing can be shown from it.",
            is_claim=claim,
        )
    fmt = obj.get("format")
    kind = _BY_FORMAT.get(fmt) if isinstance(fmt, str) else None
    if kind is None or (obj.get("error") is not None and kind is not InspectLog):
        return OtherSummary.from_json(obj, claim=claim)
    result: Inspection = kind.from_json(obj, claim=claim)
    return result


def with_claim(ours: Inspection, claim: object) -> Inspection:
    """Our own summary with the sender's claim beside it (``sender_inspection``), the claim
    checked by the same constructor and labelled as a claim. An empty claim is none."""
    if not isinstance(claim, dict) or not claim:
        return replace(ours, claim=None, claim_json=None)
    checked, said = _claim(claim)
    return replace(ours, claim=checked, claim_json=said)


def unreadable(note: str) -> OtherSummary:
    """The summary of a row whose stored JSON does not parse."""
    return OtherSummary(format="unknown", failure=note)
