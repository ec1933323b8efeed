"""The import map: which Chinese column headers and value labels of an office's sheets mean which
contract fields. Pack data (``imports.toml``), extended by layers; read by :mod:`._sheets`.

A pack's ``imports.toml``::

    [imports.finding.headers]
    id = ["问题编号", "编号"]
    article = ["条款", "条目", "检查条款"]

    [imports.complaint.values.verified]
    "属实" = true
    "不属实" = false

    [imports.complaint.blank]
    verified = ["待核实"]

``headers`` lists the headers of each field (the same header may mean different fields for
different record types); ``values`` maps a cell's label to the contract value; ``blank`` lists
labels that mean the cell was left empty. A layer's lists add to its base's, its ``values``
merge label by label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Protocol, Union

import attrs

from . import _facts
from ._errors import Problem


class _Article(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def tags(self) -> Mapping[str, str]: ...


class _PackLike(Protocol):
    """What the helpers below read of a pack (so this module does not import the model)."""

    @property
    def articles(self) -> Sequence[_Article]: ...


#: A value a label may stand for.
LabelValue = Union[str, int, bool]

#: The fields of each record type of the contract, required first: read from the contract
#: itself (``_facts.RECORD_TYPES``), never typed again.
RECORD_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    name: (tuple(spec.required), tuple(spec.optional)) for name, spec in _facts.RECORD_TYPES.items()
}


@attrs.frozen
class RecordImport:
    """How a sheet of one record type is read: each field's headers, and labels of values."""

    headers: dict[str, list[str]] = attrs.field(factory=dict)
    #: ``field → label → value``: ``by = { "县联社" = "county" }``
    values: dict[str, dict[str, LabelValue]] = attrs.field(factory=dict)
    #: Labels that mean the cell is empty: ``verified = ["待核实"]``
    blank: dict[str, list[str]] = attrs.field(factory=dict)


@attrs.frozen
class ImportMap:
    """The import map of a pack (``imports.toml``): one :class:`RecordImport` per record type."""

    imports: dict[str, RecordImport] = attrs.field(factory=dict)

    def record(self, record_type: str) -> RecordImport:
        return self.imports.get(record_type, RecordImport())


def normalize_header(text: str) -> str:
    """A header as matched: NFKC (full-width letters, digits and brackets → ASCII), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def check_import_map(imap: ImportMap, file: str = "imports.toml") -> list[Problem]:
    """Every problem of an import map, located: unknown record types and fields, empty or
    ambiguous headers (one header for two fields of one type), labels for fields that take none."""
    problems: list[Problem] = []
    for rtype, rec in imap.imports.items():
        base = f"$.imports.{rtype}"
        if rtype not in RECORD_FIELDS:
            problems.append(
                Problem(
                    "unknown_record_type",
                    f"{rtype!r} is not a record type; known: {', '.join(RECORD_FIELDS)}",
                    file=file,
                    path=base,
                )
            )
            continue
        known = {*RECORD_FIELDS[rtype][0], *RECORD_FIELDS[rtype][1]}
        owner: dict[str, str] = {}
        for table in ("headers", "values", "blank"):
            for field in getattr(rec, table):
                if field not in known:
                    problems.append(
                        Problem(
                            "unknown_field",
                            f"{field!r} is not a field of {rtype}; known: {', '.join(sorted(known))}",
                            file=file,
                            path=f"{base}.{table}.{field}",
                        )
                    )
        for field, aliases in rec.headers.items():
            for alias in aliases:
                key = normalize_header(alias)
                where = f"{base}.headers.{field}"
                if not key:
                    problems.append(Problem("invalid_value", "a header must not be empty", file=file, path=where))
                elif key in owner and owner[key] != field:
                    problems.append(
                        Problem(
                            "ambiguous_header",
                            f"header {alias!r} is given for both {owner[key]} and {field} of {rtype}",
                            file=file,
                            path=where,
                        )
                    )
                else:
                    owner[key] = field
        for field, labels in rec.blank.items():
            for label in labels:
                if label in rec.values.get(field, {}):
                    problems.append(
                        Problem(
                            "ambiguous_label",
                            f"label {label!r} of {rtype}.{field} is both a value and blank",
                            file=file,
                            path=f"{base}.blank.{field}",
                        )
                    )
    return problems


def tag_labels_of(pack: _PackLike) -> dict[int, dict[str, str]]:
    """``article → Chinese tag label → tag``, from the tags the pack's articles declare."""
    return {a.number: {label: tag for tag, label in a.tags.items()} for a in pack.articles if a.tags}


def merge_union(base: Mapping[str, object], patch: Mapping[str, object]) -> dict[str, object]:
    """A layer over a base table: tables merge key by key, lists add the entries they lack."""
    out = dict(base)
    for key, value in patch.items():
        old = out.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            out[key] = merge_union(old, value)
        elif isinstance(value, list) and isinstance(old, list):
            out[key] = [*old, *(v for v in value if v not in old)]
        else:
            out[key] = value
    return out
