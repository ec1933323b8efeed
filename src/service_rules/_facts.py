"""The input contract: observation records, one JSON object per line, checked field by field.

This is the hot path, so it is written as plain table-driven Python rather than through
cattrs: every line is parsed once, checked against the schema of its ``type`` and either
accepted as a dict or rejected with a stable code and a message that names the problem.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from ._codes import APPEAL_DECISION_LABELS, CHANNELS, INSPECTORS, LAPSE_KINDS
from ._codes import RejectionCode as C

# ASCII digits only, matched whole (``$`` would let a trailing newline through).
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_QUARTER = re.compile(r"([0-9]{4})Q([1-4])")
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")

#: The years a date, quarter or month of the contract may fall in (docs/contract.md, "Limits").
#: Outside them a line is rejected ``date_out_of_range``; every period is then four digits.
YEARS = (1900, 2099)
FIRST_DAY = _dt.date(YEARS[0], 1, 1)
LAST_DAY = _dt.date(YEARS[1], 12, 31)


def year_in_range(year: int) -> bool:
    return YEARS[0] <= year <= YEARS[1]


def _years() -> str:
    return f"{YEARS[0]} 至 {YEARS[1]} 年"


#: Every integer of the contract lies within ±(2**53 - 1): JSON-safe, read exactly by every
#: consumer (durable_rules, orjson, spreadsheets). Beyond it: ``out_of_range``.
MAX_INT = 2**53 - 1
#: Person-times on one finding (``persons``, the length of ``employees``).
MAX_PERSONS = 10**4
#: Text of a value shown in a message, at most (a value may be megabytes long).
SHOWN = 60


def show(value: Any) -> str:
    """A value as a message shows it: its repr, cut short (never a huge integer's digits)."""
    if type(value) is int and not -(10**SHOWN) < value < 10**SHOWN:
        return f"一个 {value.bit_length()} 位(二进制)的{'负' if value < 0 else ''}整数"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an integer too long for repr, or nesting too deep
        return f"<{type(value).__name__}>"
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


#: JSON's names for the Python types a parsed line can hold (for messages).
JSON_TYPES = {
    "dict": "对象", "list": "数组", "str": "字符串", "int": "整数", "float": "小数",
    "bool": "布尔值", "NoneType": "null",
}  # fmt: skip


class Reject(Exception):
    """A line that breaks the contract: ``code`` is stable, ``message`` says what and where."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_date_cache: dict[str, _dt.date] = {}


def checked_dates() -> dict[str, _dt.date]:
    """The date strings :func:`parse_date` has taken (some of them: it keeps up to 100,000), for
    generated code that tests a date by membership, as ``fast_ok`` does."""
    return _date_cache


def parse_date(value: str, field: str) -> _dt.date:
    """A strict ISO date (YYYY-MM-DD); impossible dates such as 2026-02-30 are rejected."""
    cached = _date_cache.get(value)
    if cached is not None:
        return cached
    if not _ISO_DATE.fullmatch(value):
        raise Reject(C.INVALID_DATE, f"字段 {field!r} 应为 YYYY-MM-DD 格式的日期,实为 {show(value)}")
    if not year_in_range(int(value[:4])):
        raise Reject(C.DATE_OUT_OF_RANGE, f"字段 {field!r} 的日期 {show(value)} 不在 {_years()}之间")
    try:
        parsed = _dt.date.fromisoformat(value)
    except ValueError:
        raise Reject(C.INVALID_DATE, f"字段 {field!r} 的日期 {show(value)} 不存在") from None
    if len(_date_cache) < 100_000:
        _date_cache[value] = parsed
    return parsed


# Field checkers: each returns None when the value is acceptable, else (code, expectation).
Check = Callable[[Any], "tuple[str, str] | None"]


_INT_RANGE = f"{-MAX_INT} 至 {MAX_INT} 之间的整数"


def _str(v: Any) -> tuple[str, str] | None:
    if type(v) is not str:
        return (C.WRONG_TYPE, "字符串")
    if not v.strip():
        return (C.INVALID_VALUE, "非空字符串")
    return None


#: The JSON parser reads an integer of more than 64 bits as a float: such a float is an integer
#: out of range (``out_of_range``, as the contract says of any integer beyond ±(2^53−1)), not a
#: decimal (``wrong_type``) — the line may well have written the digits of an integer.
_BEYOND_64_BITS = float(2**63)


def _not_int(v: Any) -> str:
    return C.OUT_OF_RANGE if type(v) is float and abs(v) >= _BEYOND_64_BITS else C.WRONG_TYPE


def _int(v: Any) -> tuple[str, str] | None:
    if type(v) is not int:
        return (C.OUT_OF_RANGE, _INT_RANGE) if _not_int(v) == C.OUT_OF_RANGE else (C.WRONG_TYPE, "整数")
    return None if -MAX_INT <= v <= MAX_INT else (C.OUT_OF_RANGE, _INT_RANGE)


def _positive_int(v: Any) -> tuple[str, str] | None:
    if type(v) is not int:
        return (_not_int(v), "整数" if _not_int(v) == C.WRONG_TYPE else f"1 至 {MAX_PERSONS} 之间的整数")
    if v < 1:
        return (C.INVALID_VALUE, "不小于 1 的整数")
    return None if v <= MAX_PERSONS else (C.OUT_OF_RANGE, f"1 至 {MAX_PERSONS} 之间的整数")


def _bool(v: Any) -> tuple[str, str] | None:
    return None if type(v) is bool else (C.WRONG_TYPE, "true 或 false")


def _date(v: Any) -> tuple[str, str] | None:
    return None if type(v) is str else (C.WRONG_TYPE, "YYYY-MM-DD 格式的日期字符串")


def _quarter(v: Any) -> tuple[str, str] | None:
    if type(v) is not str:
        return (C.WRONG_TYPE, "季度字符串(如 2026Q3)")
    m = _QUARTER.fullmatch(v)
    if m is None:
        return (C.INVALID_VALUE, "季度(如 2026Q3)")
    return None if year_in_range(int(m.group(1))) else (C.DATE_OUT_OF_RANGE, f" {_years()}之间的季度")


def _nonneg_int(v: Any) -> tuple[str, str] | None:
    if type(v) is not int:
        return (_not_int(v), "整数" if _not_int(v) == C.WRONG_TYPE else f"0 至 {MAX_INT} 之间的整数")
    if v < 0:
        return (C.INVALID_VALUE, "不小于 0 的整数")
    return None if v <= MAX_INT else (C.OUT_OF_RANGE, f"0 至 {MAX_INT} 之间的整数")


def _month(v: Any) -> tuple[str, str] | None:
    if type(v) is not str:
        return (C.WRONG_TYPE, "月份字符串(如 2026-07)")
    m = _MONTH.fullmatch(v)
    if m is None:
        return (C.INVALID_VALUE, "月份(YYYY-MM)")
    return None if year_in_range(int(m.group(1))) else (C.DATE_OUT_OF_RANGE, f" {_years()}之间的月份")


def _str_list(v: Any) -> tuple[str, str] | None:
    if type(v) is not list or not all(type(x) is str and x.strip() for x in v):
        return (C.WRONG_TYPE, "非空字符串的列表")
    if not v:
        return (C.INVALID_VALUE, "非空列表")
    if len(v) > MAX_PERSONS:
        return (C.OUT_OF_RANGE, f"至多 {MAX_PERSONS} 个名字的列表")
    if len(set(v)) != len(v):
        return (C.INVALID_VALUE, "不含重复编号的列表")
    return None


def _enum(*allowed: str) -> Check:
    listed = "、".join(repr(a) for a in allowed[:-1]) + f" 或 {allowed[-1]!r}" if len(allowed) > 1 else repr(allowed[0])
    expected = f" {listed} 之一" if len(allowed) > 2 else f" {listed}"  # quoted values: set off by a space

    def check(v: Any) -> tuple[str, str] | None:
        if type(v) is not str:
            return (C.WRONG_TYPE, expected)
        return None if v in allowed else (C.INVALID_VALUE, expected)

    return check


#: Shapes (field names in order) of one record type that get a fast_ok of their own; past them
#: (hostile input) records take the general one.
MAX_SHAPES = 64


class RecordType:
    """The schema of one ``type``: required and optional fields with their checkers."""

    def __init__(
        self,
        name: str,
        key: str,
        required: dict[str, Check],
        optional: dict[str, Check],
        dates: tuple[str, ...] = (),
        value_types: dict[str, type] | None = None,
    ) -> None:
        self.name = name
        self.key = key  # the field that identifies a record of this type
        self.required = required
        self.optional = optional
        self.fields = {"type": _str, **required, **optional}
        self._allowed = frozenset(self.fields)
        self._required = frozenset(required)
        self._kinds = {name: _KIND.get(check, (_OTHER, None)) for name, check in self.fields.items()}
        self._fast_ok = self._generate_fast_ok()
        #: key order of a record (its field names as given) → fast_ok specialised to it
        self._shapes: dict[tuple[Any, ...], Callable[[dict[str, Any]], bool]] = {}
        #: True when a record certainly passes :meth:`check`; False means "ask check()". A
        #: conservative subset of check() for the common case (it never accepts what check()
        #: would reject), generated as straight-line code per shape of record: this runs once
        #: per input line.
        self.fast_ok: Callable[[dict[str, Any]], bool] = self._by_shape()
        self.dates = dates
        #: The Python type of each field's value, for conditions that read it.
        self.value_types = value_types or {}

    def _by_shape(self) -> Callable[[dict[str, Any]], bool]:
        """fast_ok as run: the record's field names, in their order, choose a version of it that
        tests only those fields (most lines of an input share a few shapes); a shape not seen
        yet goes through the general version, which also learns it (up to MAX_SHAPES)."""
        shapes = self._shapes
        general = self._fast_ok

        def learn(o: dict[str, Any]) -> bool:
            if len(shapes) < MAX_SHAPES:
                keys = o.keys()
                if keys <= self._allowed and self._required <= keys:
                    shapes[tuple(o)] = self._generate_fast_ok(tuple(o))
            return general(o)

        def fast_ok(o: dict[str, Any]) -> bool:
            return shapes.get(tuple(o), learn)(o)

        return fast_ok

    def kind_of(self, name: str) -> tuple[str, Any]:
        """What the contract asks of a field: ``"str"`` (a string, neither empty nor blank),
        ``"int"`` (an integer within ±MAX_INT), ``"persons"`` (1 to MAX_PERSONS), ``"bool"``,
        ``"date"`` (a date string, as :func:`parse_date` reads it), ``"enum"`` (with its values),
        ``"names"`` (a list of distinct names, with its check) or ``"other"`` (with its check)."""
        kind, extra = self._kinds[name]
        label = {_K_STR: "str", _K_INT: "int", _K_POS: "persons", _K_BOOL: "bool", _K_DATE: "date", _K_ENUM: "enum"}
        if kind in label:
            return (label[kind], extra)
        check = self.fields[name]
        return ("names", check) if check is _str_list else ("other", check)

    def fits(self, shape: tuple[Any, ...]) -> bool:
        """Whether a record whose field names are ``shape`` may pass :meth:`check`: every name
        allowed, none twice, the required ones among them."""
        keys = frozenset(shape)
        return keys <= self._allowed and self._required <= keys and len(keys) == len(shape)

    def _generate_fast_ok(self, shape: tuple[Any, ...] | None = None) -> Callable[[dict[str, Any]], bool]:
        """The general version (``shape`` None: any field names), or one for records whose field
        names are exactly ``shape`` (all allowed, the required among them)."""
        lines = ["def fast_ok(o):"]
        if shape is None:
            lines += ["    k = o.keys()", "    if not (k <= allowed and required <= k):", "        return False"]
        tests, env, _ = self.field_tests(shape, "return False")
        lines += [*tests, "    return True"]
        exec("\n".join(lines), env)  # our own schema, not pack data
        fn: Callable[[dict[str, Any]], bool] = env["fast_ok"]
        return fn

    def field_tests(self, shape: tuple[Any, ...] | None, fail: str) -> tuple[list[str], dict[str, Any], dict[str, str]]:
        """fast_ok's body, to generate code with: lines (indented once) that read each field of
        ``shape`` (None: any field, an optional one with ``o.get``) into a local of its own and run
        ``fail`` when one breaks the contract; the names those lines use; field → its local."""
        lines: list[str] = []
        env: dict[str, Any] = {"allowed": self._allowed, "required": self._required, "dates": _date_cache}
        local: dict[str, str] = {}
        for i, name in enumerate(self.fields):
            if name == "type" or (shape is not None and name not in shape):
                continue  # the caller chose this schema by its type; an absent field is null
            kind, extra = self._kinds[name]
            v = local[name] = f"f{i}"
            get = f"o[{name!r}]" if name in self.required or shape is not None else f"o.get({name!r})"
            lines.append(f"    {v} = {get}")
            if kind is _K_STR:
                test = f"type({v}) is not str or not {v} or {v}.isspace()"
            elif kind is _K_INT:
                test = f"type({v}) is not int or not {-MAX_INT} <= {v} <= {MAX_INT}"
            elif kind is _K_POS:
                test = f"type({v}) is not int or not 1 <= {v} <= {MAX_PERSONS}"
            elif kind is _K_BOOL:
                test = f"type({v}) is not bool"
            elif kind is _K_DATE:
                test = f"type({v}) is not str or {v} not in dates"
            elif kind is _K_ENUM:
                env[f"enum{i}"] = extra
                test = f"type({v}) is not str or {v} not in enum{i}"
            else:
                env[f"check{i}"] = self.fields[name]
                test = f"check{i}({v}) is not None"
            if name not in self.required:
                test = f"{v} is not None and ({test})"  # null is absent for an optional field
            lines += [f"    if {test}:", f"        {fail}"]
        return lines, env, local

    def check(self, obj: dict[str, Any]) -> None:
        """Raise :class:`Reject` for the first field that breaks the schema, in a stable order."""
        fields = self.fields
        for name in obj:
            if name not in fields:
                raise Reject(C.UNKNOWN_FIELD, f"类型 {self.name} 没有字段 {show(name)}")
        for name in self.required:
            if name not in obj:
                raise Reject(C.MISSING_FIELD, f"缺少字段 {name!r}(类型 {self.name} 必需)")
        for name, value in obj.items():
            if value is None and name in self.optional:
                continue  # null is the same as absent for an optional field
            problem = fields[name](value)
            if problem is not None:
                code, expected = problem
                raise Reject(code, f"字段 {name!r} 应为{expected},实为 {show(value)}")
        for name in self.dates:
            value = obj.get(name)
            if value is not None:
                parse_date(value, name)


_K_STR, _K_INT, _K_DATE, _K_ENUM, _K_POS, _K_BOOL, _OTHER = (object() for _ in range(7))


_BY = tuple(INSPECTORS)
_CHANNELS = tuple(CHANNELS)
_LAPSE_KINDS = tuple(LAPSE_KINDS)
_check_by = _enum(*_BY)
_check_channel = _enum(*_CHANNELS)
_check_lapse_kind = _enum(*_LAPSE_KINDS)
_KIND: dict[Check, tuple[object, Any]] = {
    _str: (_K_STR, None),
    _int: (_K_INT, None),
    _date: (_K_DATE, None),
    _positive_int: (_K_POS, None),
    _bool: (_K_BOOL, None),
    _check_by: (_K_ENUM, frozenset(_BY)),
    _check_channel: (_K_ENUM, frozenset(_CHANNELS)),
    _check_lapse_kind: (_K_ENUM, frozenset(_LAPSE_KINDS)),
}

OUTLET = RecordType(
    "outlet",
    "outlet",
    {"outlet": _str, "county": _str},
    {"name": _str},
    value_types={"outlet": str, "county": str, "name": str},
)
INSPECTION = RecordType(
    "inspection",
    "id",
    {"id": _str, "outlet": _str, "date": _date, "by": _check_by},
    {"note": _str},
    dates=("date",),
    value_types={"id": str, "outlet": str, "by": str},
)
FINDING = RecordType(
    "finding",
    "id",
    {"id": _str, "outlet": _str, "date": _date, "article": _int},
    {
        "points": _int,
        "persons": _positive_int,
        "employees": _str_list,
        "tag": _str,
        "inspection": _str,
        "measured": _nonneg_int,
        "applicable": _bool,
        "note": _str,
    },
    dates=("date",),
    value_types={
        "id": str,
        "outlet": str,
        "article": int,
        "section": int,
        "points": int,
        "persons": int,
        "tag": str,
        "measured": int,
        "applicable": bool,
    },
)
COMPLAINT = RecordType(
    "complaint",
    "id",
    {"id": _str, "outlet": _str, "date": _date, "channel": _check_channel},
    {
        "verified": _bool,
        "verified_on": _date,
        "account_transferred": _bool,
        "employee": _str,
        "note": _str,
    },
    dates=("date", "verified_on"),
    value_types={
        "id": str,
        "outlet": str,
        "channel": str,
        "verified": bool,
        "account_transferred": bool,
        "employee": str,
    },
)
LAPSE = RecordType(
    "lapse",
    "id",
    {"id": _str, "county": _str, "date": _date, "kind": _check_lapse_kind},
    {"note": _str},
    dates=("date",),
    value_types={"id": str, "county": str, "kind": str},
)
REPORT = RecordType(
    "report",
    "id",
    {"id": _str, "county": _str, "quarter": _quarter, "submitted": _date},
    {"note": _str},
    dates=("submitted",),
    value_types={"id": str, "county": str, "quarter": str},
)

STAR = RecordType(
    "star",
    "id",
    {"id": _str, "outlet": _str, "employee": _str, "month": _month},
    {"note": _str},
    value_types={"id": str, "outlet": str, "employee": str, "month": str},
)

#: What an appeal's decision may be (``appeal.decision``): 维持, 撤销, 变更分值.
APPEAL_DECISIONS = tuple(APPEAL_DECISION_LABELS)
_check_decision = _enum(*APPEAL_DECISIONS)
_KIND[_check_decision] = (_K_ENUM, frozenset(APPEAL_DECISIONS))

APPEAL = RecordType(
    "appeal",
    "id",
    {"id": _str, "target": _str, "filed": _date, "by": _str, "reason": _str},
    {"decided": _date, "decision": _check_decision, "points": _nonneg_int, "note": _str},
    dates=("filed", "decided"),
    value_types={"id": str, "target": str, "by": str, "decision": str, "points": int},
)


def _with_replaces(t: RecordType) -> RecordType:
    """Any record with an id may correct an earlier one: ``replaces`` names the id it replaces."""
    return RecordType(
        t.name, t.key, t.required, {**t.optional, "replaces": _str}, dates=t.dates, value_types=t.value_types
    )


RECORD_TYPES: dict[str, RecordType] = {
    t.name: t if t.key != "id" else _with_replaces(t)
    for t in (OUTLET, INSPECTION, FINDING, COMPLAINT, LAPSE, REPORT, STAR, APPEAL)
}
# the contract of each type is the one with ``replaces``: one object per type, by either name
INSPECTION, FINDING, COMPLAINT, LAPSE, REPORT, STAR, APPEAL = (
    RECORD_TYPES[n] for n in ("inspection", "finding", "complaint", "lapse", "report", "star", "appeal")
)

#: Finite domains of fields that rules may read, used to enumerate every shape at compile time.
FINITE_DOMAINS: dict[tuple[str, str], tuple[object, ...]] = {
    ("complaint", "verified"): (True, False),
    ("complaint", "account_transferred"): (True, False),
    ("finding", "applicable"): (True, False),
    ("complaint", "channel"): _CHANNELS,
    ("inspection", "by"): _BY,
    ("lapse", "kind"): _LAPSE_KINDS,
    ("appeal", "decision"): APPEAL_DECISIONS,
}
#: Fields that take a default when absent (so a rule sees the default, never a gap).
DEFAULTS: dict[tuple[str, str], object] = {("complaint", "account_transferred"): False}
