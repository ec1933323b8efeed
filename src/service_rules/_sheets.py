"""An office's own files in: ``.xlsx`` workbooks and ``.csv`` files → contract-shaped records.

Each sheet (or CSV file) holds one record type, recognised by its header row through the pack's
import map (:mod:`._importmap`). Every row becomes a record dict shaped like a JSON line — the
contract then accepts or rejects it exactly as a JSON line — or a blank row, or (a cell that
cannot be read at all: a formula without a saved result, an Excel error value) a row error.
Conversions are declared here and in docs/office.md, never guessed: a value that none of them
fits is passed on unchanged, so the contract rejects it with its usual code.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from . import _facts
from ._codes import RejectionCode
from ._errors import InputFileError
from ._importmap import RECORD_FIELDS, ImportMap, normalize_header

#: Record types in words, for messages.
TYPE_LABELS = {
    "outlet": "网点",
    "inspection": "检查记录",
    "finding": "检查发现问题",
    "complaint": "投诉",
    "lapse": "县联社失职",
    "report": "检查情况上报",
    "star": "服务明星",
    "appeal": "申诉",
}

#: Rows searched for the header row (title rows above it are allowed).
HEADER_SCAN = 10
#: A row rejected before the contract sees it: a cell that holds no readable value.
UNREADABLE_CELL = RejectionCode.UNREADABLE_CELL

_EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})


@attrs.frozen
class RowError:
    """Why a row never became a record (``code`` is stable, ``message`` Chinese)."""

    code: str
    message: str


@attrs.frozen
class SheetWarning:
    """Something about a sheet a person should know; it changes no record. ``code``: ``unknown_columns``
    (headers the import map does not know; their content is not imported), ``headerless_column`` (a
    column without a header holds data, not imported), ``merged_cells`` (read as Excel stores them)."""

    code: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message


@attrs.frozen
class SheetRow:
    """One row below the header. ``record`` is None for a blank row (counted, never rejected);
    ``error`` is set when a cell could not be read at all (then ``record`` holds what could)."""

    line: int
    record: dict[str, Any] | None
    error: RowError | None = None


@attrs.frozen(eq=False)
class SheetInput:
    """One sheet of a workbook, or one CSV file (``sheet`` None).

    ``record_type`` is None when the sheet is empty or not recognised; ``problem`` then says why
    (None for an empty sheet) and ``rows`` is empty: nothing of it is scored. ``rows`` is read
    lazily, once; ``warnings`` may gain entries while it is read (a column without a header that
    holds data).
    """

    file: str
    sheet: str | None
    record_type: str | None
    problem: str | None
    warnings: list[SheetWarning]
    header_line: int | None
    rows: Iterable[SheetRow]
    sha256: str
    encoding: str | None = None
    #: The sheet is hidden (or very hidden) in the workbook: read all the same; a caller may treat
    #: an unrecognised hidden sheet (a template's lookup lists) more mildly.
    hidden: bool = False
    #: Each field's column header as the sheet spells it (``{"channel": "投诉渠道"}``), so that a
    #: rejection can speak of the column a clerk sees rather than the contract's field name.
    headers: Mapping[str, str] = attrs.field(factory=dict)


def iter_sheets(
    path: str | os.PathLike[str],
    import_map: ImportMap,
    tag_labels: Mapping[int, Mapping[str, str]] | None = None,
) -> Iterator[SheetInput]:
    """The sheets of an ``.xlsx`` (every worksheet, in workbook order) or the one table of a ``.csv``.

    Raise :class:`InputFileError` (a Chinese message) for a file that cannot be read at all.
    """
    name = os.fspath(path)
    lower = name.lower()
    if lower.endswith(".xls"):
        raise InputFileError(f"{name}: 这是旧版Excel(.xls)文件,无法直接读取;请在Excel中“另存为”.xlsx格式后再导入")
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise InputFileError(f"{name}: 无法读取文件({exc.strerror or exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    reader = _RowReader(import_map, tag_labels or {})
    if lower.endswith(".csv"):
        yield _csv_input(name, data, digest, reader)
    elif lower.endswith((".xlsx", ".xlsm")):
        yield from _xlsx_inputs(name, data, digest, reader)
    else:
        raise InputFileError(f"{name}: 不是.xlsx或.csv文件")


# ---- header rows ----------------------------------------------------------------------------


@attrs.frozen
class _Header:
    record_type: str | None
    problem: str | None
    columns: dict[int, str]  # column index → field
    unknown: list[str]
    headerless: frozenset[int]  # columns without a header text (within the header's width)
    width: int = 0


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _match(cells: list[Any], import_map: ImportMap) -> dict[str, tuple[dict[int, str], list[str]]]:
    """For each record type of the map: the columns it recognises, and the required fields it lacks."""
    found = {}
    keys = [normalize_header(_cell_text(c)) for c in cells]
    for rtype, (required, _) in RECORD_FIELDS.items():
        rec = import_map.imports.get(rtype)
        if rec is None:
            continue
        alias = {normalize_header(a): f for f, names in rec.headers.items() for a in names}
        columns = {i: alias[k] for i, k in enumerate(keys) if k and k in alias}
        missing = [f for f in required if f not in columns.values()]
        found[rtype] = (columns, missing)
    return found


def _type_label(rtype: str) -> str:
    return f"{TYPE_LABELS.get(rtype, rtype)}({rtype})"


def _headers_of(import_map: ImportMap, rtype: str, field: str) -> str:
    names = import_map.record(rtype).headers.get(field, [])
    return "/".join(names) if names else field


def _read_header(rows: list[tuple[int, list[Any]]], import_map: ImportMap) -> tuple[int | None, _Header]:
    """The header row among the first rows: the first whose headers carry a record type's required fields."""
    first: tuple[int, list[Any]] | None = None
    for line, cells in rows:
        if all(_cell_text(c).strip() == "" for c in cells):
            continue
        if first is None:
            first = (line, cells)
        matched = {t: m for t, m in _match(cells, import_map).items() if not m[1]}
        if not matched:
            continue
        if len(matched) > 1:
            kinds = "、".join(_type_label(t) for t in matched)
            return line, _Header(
                None,
                f"第{line}行的表头同时符合{kinds}的必填列,无法判断本表是哪类记录;请把不同类型的记录分表存放,或删去多余的列",
                {},
                [],
                frozenset(),
            )
        rtype, (columns, _) = next(iter(matched.items()))
        problem = _duplicate_columns(cells, columns, rtype)
        texts = [_cell_text(c).strip() for c in cells]
        unknown = [texts[i] for i in range(len(cells)) if texts[i] and i not in columns]
        headerless = frozenset(i for i in range(len(cells)) if not texts[i])
        return line, _Header(
            None if problem else rtype, problem, {} if problem else columns, unknown, headerless, len(cells)
        )
    if first is None:
        return None, _Header(None, None, {}, [], frozenset())
    line, cells = first
    if not import_map.imports:
        return line, _Header(None, no_import_map(), {}, [], frozenset())
    scored = sorted(_match(cells, import_map).items(), key=lambda kv: (len(kv[1][1]), list(RECORD_FIELDS).index(kv[0])))
    closest = [
        f"{_type_label(t)}缺少“{'”“'.join(_headers_of(import_map, t, f) for f in missing)}”"
        for t, (_, missing) in scored[:3]
    ]
    return line, _Header(
        None,
        f"前{HEADER_SCAN}行中没有可识别的表头(第{line}行不含任何一类记录的全部必填列:{';'.join(closest)})",
        {},
        [],
        frozenset(),
    )


def no_import_map() -> str:
    """Why a pack without an import map reads no sheet, and how to give it one (Chinese)."""
    generic = Path(__file__).resolve().parent / "policies" / "generic" / "imports.toml"
    return (
        "规则包没有导入映射(imports.toml),无法识别任何表头:独立的规则包(不扩展其他包)须自带 imports.toml。"
        '可在 pack.toml 的 [pack] 中写 extends = "generic" 继承通用导入映射,'
        f"或把通用规则包的 imports.toml({generic})复制到本规则包文件夹,再按本单位表格的列名增删(见 docs/office.md)"
    )


def _duplicate_columns(cells: list[Any], columns: dict[int, str], rtype: str) -> str | None:
    by_field: dict[str, list[int]] = {}
    for i, field in columns.items():
        by_field.setdefault(field, []).append(i)
    twice = {f: cols for f, cols in by_field.items() if len(cols) > 1}
    if not twice:
        return None
    parts = [
        f"“{'”“'.join(_cell_text(cells[i]).strip() for i in cols)}”都对应字段{f}" for f, cols in sorted(twice.items())
    ]
    return f"{_type_label(rtype)}表头中{';'.join(parts)},无法判断用哪一列;请只保留一列"


# ---- cell conversions -----------------------------------------------------------------------

# Field kinds, read from the contract (``_facts.RECORD_TYPES``): one source for both readers.
_KINDS = {(f, tp) for t in _facts.RECORD_TYPES.values() for f, tp in t.value_types.items()}
DATE_FIELDS = frozenset(f for t in _facts.RECORD_TYPES.values() for f in t.dates)
INT_FIELDS = frozenset(f for f, tp in _KINDS if tp is int) - {"article", "section"}
BOOL_FIELDS = frozenset(f for f, tp in _KINDS if tp is bool)
LIST_FIELDS = frozenset({"employees"})

_DATE_FORMS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),
    re.compile(r"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日"),
)
_MONTH_FORMS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})"),
    re.compile(r"([0-9]{4})\.([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月"),
)
_QUARTER_FORM = re.compile(r"([0-9]{4})年第?([1-4一二三四])季度")
_ARTICLE_FORM = re.compile(r"第([0-9]+|[零〇一二两三四五六七八九十百]+)[条项]")
_DIGITS = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")
_EMPLOYEE_SEPARATORS = re.compile(r"[、,,]")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_TRUE = frozenset({"是", "TRUE", "True", "true"})
_FALSE = frozenset({"否", "FALSE", "False", "false"})
_BLANK = object()


def chinese_number(text: str) -> int | None:
    """``十八`` → 18, ``一百零二`` → 102; None for anything else (1–999)."""
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, digit, seen_unit = 0, None, False
    for ch in text:
        if ch in "零〇" and seen_unit and digit is None:
            continue  # 一百零一: a placeholder after a unit
        if ch in _CN_DIGITS:
            if digit is not None:
                return None  # two digits in a row: 一二
            digit = _CN_DIGITS[ch]
        else:
            unit = 10 if ch == "十" else 100
            if unit == 10 and total % 100 >= 10:
                return None
            total += (1 if digit is None else digit) * unit
            digit, seen_unit = None, True
    total += digit or 0
    if not seen_unit and len(text) > 1:
        return None
    return total if 1 <= total <= 999 else None


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def convert_date(value: Any, epoch: _dt.datetime | None = None) -> Any:
    """Excel date cells, serial numbers (in a workbook) and the four written forms → ``YYYY-MM-DD``."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if type(value) is int and epoch is not None and 1 <= value <= 2958465:
        from openpyxl.utils.datetime import from_excel

        day = from_excel(value, epoch)
        return day.date().isoformat() if isinstance(day, _dt.datetime) else value
    if isinstance(value, str):
        text = _norm(value)
        for form in _DATE_FORMS:
            m = form.fullmatch(text)
            if m:
                return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return value


def convert_month(value: Any) -> Any:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        text = _norm(value)
        for form in _MONTH_FORMS:
            m = form.fullmatch(text)
            if m:
                return f"{m.group(1)}-{int(m.group(2)):02d}"
    return value


def convert_quarter(value: Any) -> Any:
    if isinstance(value, str):
        m = _QUARTER_FORM.fullmatch(_norm(value))
        if m:
            q = m.group(2)
            return f"{m.group(1)}Q{q if q.isdigit() else '一二三四'.index(q) + 1}"
    return value


def convert_article(value: Any) -> Any:
    """``18``, ``"18"``, ``第18条``, ``第十八条`` (and 项 for packs of items) → 18."""
    if isinstance(value, str):
        text = _norm(value)
        if _DIGITS.fullmatch(text):
            return int(text)
        m = _ARTICLE_FORM.fullmatch(text)
        if m:
            number = int(m.group(1)) if m.group(1).isdigit() else chinese_number(m.group(1))
            return value if number is None else number
    return value


def convert_int(value: Any) -> Any:
    """Text of ASCII digits, with an optional minus (``"-1"`` → -1: the contract then says what is wrong with it)."""
    if isinstance(value, str):
        text = _norm(value)
        if _SIGNED.fullmatch(text):
            return int(text)
    return value


def convert_bool(value: Any) -> Any:
    if isinstance(value, str):
        text = _norm(value)
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return value


def convert_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in _EMPLOYEE_SEPARATORS.split(value.strip())]
    return value


def plain_cell(value: Any) -> Any:
    """A cell as the contract sees it before any field's conversion: whole numbers are integers
    (``2.0`` → 2), text is stripped, dates and times are ISO strings; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text if text else None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    return value


#: The conversion of each field that has one (dates and months also see the raw cell).
_FIELD_KIND: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(INT_FIELDS, convert_int),
    **dict.fromkeys(BOOL_FIELDS, convert_bool),
    **dict.fromkeys(LIST_FIELDS, convert_list),
}
_SIMPLE: dict[str, Callable[[Any], Any]] = {"article": convert_article, "quarter": convert_quarter}


class _RowReader:
    """Turns the cells of one row into a record dict, through the import map's labels and the
    declared conversions."""

    def __init__(self, import_map: ImportMap, tag_labels: Mapping[int, Mapping[str, str]]) -> None:
        self.map = import_map
        self.tag_labels = tag_labels
        unique: dict[str, set[str]] = {}
        for labels in tag_labels.values():
            for label, tag in labels.items():
                unique.setdefault(label, set()).add(tag)
        #: labels that mean one tag whatever the article (used when the article is unreadable)
        self.any_tag = {label: next(iter(tags)) for label, tags in unique.items() if len(tags) == 1}
        self.epoch: _dt.datetime | None = None
        self._plans: dict[tuple[str, str], Callable[[Any], Any]] = {}

    def field(self, rtype: str, field: str, raw: Any) -> Any:
        """One cell of ``field``: blank (``_BLANK``), a label's value, or the field's conversion."""
        return self._plan(rtype, field)(raw)

    def _plan(self, rtype: str, field: str) -> Callable[[Any], Any]:
        plan = self._plans.get((rtype, field))
        if plan is None:
            plan = self._plans[(rtype, field)] = self._make_plan(rtype, field)
        return plan

    def _make_plan(self, rtype: str, field: str) -> Callable[[Any], Any]:
        rec = self.map.record(rtype)
        blank = frozenset(rec.blank.get(field, ()))
        labels = rec.values.get(field, {})
        simple = _SIMPLE.get(field) or _FIELD_KIND.get(field)
        reader = self  # the workbook's epoch is known only once it is opened

        def convert(value: Any, raw: Any) -> Any:
            if field in DATE_FIELDS:
                return convert_date(raw if isinstance(raw, _dt.date) else value, reader.epoch)
            if field == "month":
                return convert_month(raw if isinstance(raw, _dt.date) else value)
            return value if simple is None else simple(value)

        def plan(raw: Any) -> Any:
            value = plain_cell(raw)
            if value is None:
                return _BLANK
            if type(value) is str:
                if value in blank:
                    return _BLANK
                if value in labels:
                    return labels[value]
            return convert(value, raw)

        return plan

    def record(self, rtype: str, columns: dict[int, str], cells: list[Any]) -> dict[str, Any] | None:
        out: dict[str, Any] = {"type": rtype}
        empty = True
        n = len(cells)
        for i, field in columns.items():
            raw = cells[i] if i < n else None
            value = _BLANK if raw is None else self._plan(rtype, field)(raw)
            if value is not _BLANK:
                out[field] = value
                empty = False
        if empty:
            return None  # what other columns hold is not imported (reported once per sheet)
        if rtype == "finding" and isinstance(out.get("tag"), str):
            article = out.get("article")
            labels = self.tag_labels.get(article) if type(article) is int else None
            tag = labels.get(out["tag"]) if labels is not None else self.any_tag.get(out["tag"])
            if tag is not None:
                out["tag"] = tag
        return out


def _unreadable(cells: list[Any], columns: dict[int, str], line: int, formulas: list[Any] | None) -> RowError | None:
    n = len(cells)
    for i in columns:
        value = cells[i] if i < n else None
        if type(value) is str and value[:1] == "#" and value.strip() in _EXCEL_ERRORS:
            return RowError(UNREADABLE_CELL, f"单元格{_cell_name(i, line)}是Excel错误值{value.strip()},不是数据")
        if value is None and formulas is not None and i < len(formulas):
            f = formulas[i]
            if f is not None and not (isinstance(f, str) and not f.startswith("=")):
                return RowError(
                    UNREADABLE_CELL,
                    f"单元格{_cell_name(i, line)}是公式,文件中没有保存计算结果;请在Excel中打开、重新计算并保存后再导入",
                )
    return None


def _cell_name(column: int, line: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{line}"


def _rows(
    reader: _RowReader,
    header: _Header,
    body: Iterator[tuple[int, list[Any]]],
    warnings: list[SheetWarning],
    formulas: Iterator[list[Any]] | None,
    csv_width: bool = False,
) -> Iterator[SheetRow]:
    """The rows below the header. In a CSV (``csv_width``) a row with more cells than the header
    row is refused: an unquoted ASCII comma split a cell (``张三,李四``) and every cell after it
    moved one column on — never read shifted."""
    rtype = header.record_type
    assert rtype is not None
    columns = header.columns
    pending_blank: list[int] = []  # blank rows are reported only when a later row holds data
    warned_headerless = False
    for line, cells in body:
        fcells = next(formulas, None) if formulas is not None else None
        record = reader.record(rtype, columns, cells)
        error = _unreadable(cells, columns, line, fcells)
        if csv_width and error is None and len(cells) > header.width and any(plain_cell(c) is not None for c in cells):
            error = RowError(
                UNREADABLE_CELL,
                f"第{line}行有{len(cells)}格,多于表头的{header.width}列:可能是某格中未加引号的英文逗号"
                "(如“张三,李四”)把一格拆成了两格,其后各格都错了一列;多人请用顿号“、”分隔,或给该格加引号",
            )
        if record is None and error is None:
            pending_blank.append(line)
            continue
        for blank in pending_blank:
            yield SheetRow(blank, None)
        pending_blank.clear()
        if not warned_headerless and (len(cells) > header.width or header.headerless):
            lost = [
                i
                for i, c in enumerate(cells)
                if (i >= header.width or i in header.headerless) and plain_cell(c) is not None
            ]
            if lost:
                from openpyxl.utils import get_column_letter

                warnings.append(
                    SheetWarning(
                        "headerless_column",
                        f"第{line}行起,没有表头的{get_column_letter(lost[0] + 1)}列中有内容,未导入",
                        line,
                    )
                )
                warned_headerless = True
        yield SheetRow(line, record if record is not None else {"type": rtype}, error)


def _sheet_input(
    file: str,
    sheet: str | None,
    digest: str,
    reader: _RowReader,
    rows: Iterator[tuple[int, list[Any]]],
    encoding: str | None = None,
    formulas: Iterator[list[Any]] | None = None,
    merged: list[tuple[bytes, bytes, bytes, bytes]] | None = None,
    csv_width: bool = False,
) -> SheetInput:
    head: list[tuple[int, list[Any]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN:
            break
    header_line, header = _read_header(head, reader.map)
    warnings: list[SheetWarning] = []
    if header.record_type is None:
        return SheetInput(file, sheet, None, header.problem, warnings, header_line, (), digest, encoding)
    if header.unknown:
        warnings.append(
            SheetWarning(
                "unknown_columns",
                f"第{header_line}行表头中未识别的列(内容不导入):{'、'.join(header.unknown)}",
                header_line,
            )
        )
    assert header_line is not None
    below = [m for m in merged or () if int(m[1]) > header_line]
    if below:
        first = below[0]
        ref = f"{first[0].decode()}{first[1].decode()}:{first[2].decode()}{first[3].decode()}"
        warnings.append(
            SheetWarning(
                "merged_cells",
                f"表中有{len(below)}处合并单元格(如{ref}):合并区域只有左上角单元格有值,其余行按空白读取;"
                "如需每行都有该值,请取消合并并填满后再导入",
                int(first[1]),
            )
        )
    skip = [item for item in head if item[0] > header_line]
    if formulas is not None:
        for _ in range(header_line):
            next(formulas, None)

    def body() -> Iterator[tuple[int, list[Any]]]:
        yield from skip
        yield from rows

    header_cells = next((cells for line, cells in head if line == header_line), [])
    headers = {
        field: _cell_text(header_cells[i]).strip() for i, field in header.columns.items() if i < len(header_cells)
    }
    return SheetInput(
        file,
        sheet,
        header.record_type,
        None,
        warnings,
        header_line,
        _rows(reader, header, body(), warnings, formulas, csv_width),
        digest,
        encoding,
        headers=headers,
    )


# ---- workbooks ------------------------------------------------------------------------------

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGED = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
#: What reading a damaged workbook raises (zip, inflate, XML, openpyxl's own checks).
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    OSError,
    SyntaxError,
    EOFError,
    RuntimeError,  # zipfile: an entry flagged as encrypted
    NotImplementedError,  # zipfile: an unknown compression method
)


def _xlsx_inputs(name: str, data: bytes, digest: str, reader: _RowReader) -> Iterator[SheetInput]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = {
                n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")
            }
        has_formulas = any(_FORMULA.search(x) for x in xml.values())
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formula_book = (
            openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False) if has_formulas else None
        )
    except _BROKEN as exc:
        raise InputFileError(f"{name}: 不是有效的.xlsx文件,无法打开({exc});若是加密或旧版文件,请另存为.xlsx") from None
    reader.epoch = book.epoch
    for ws in book.worksheets:
        ws.reset_dimensions()  # read-only sheets: trust the rows, not the stated size
        formulas: Iterator[list[Any]] | None = None
        if formula_book is not None:
            fws = formula_book[ws.title]
            fws.reset_dimensions()
            formulas = (list(r) for r in fws.iter_rows(values_only=True))
        rows = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
        merged = _MERGED.findall(xml.get(str(getattr(ws, "_worksheet_path", "")).lstrip("/"), b""))
        try:
            sheet = _sheet_input(name, ws.title, digest, reader, rows, None, formulas, merged)
        except _BROKEN as exc:
            raise InputFileError(f"{name}: 工作表“{ws.title}”读取失败,文件可能已损坏({exc})") from None
        yield _guard(name, attrs.evolve(sheet, hidden=getattr(ws, "sheet_state", "visible") != "visible"))


def _guard(name: str, sheet: SheetInput) -> SheetInput:
    """Reading the XML of a damaged workbook may fail midway: that is an unreadable file, not a traceback."""

    def rows() -> Iterator[SheetRow]:
        try:
            yield from sheet.rows
        except _BROKEN as exc:
            raise InputFileError(f"{name}: 工作表“{sheet.sheet}”读取失败,文件可能已损坏({exc})") from None

    return attrs.evolve(sheet, rows=rows())


# ---- CSV ------------------------------------------------------------------------------------


def _decode_csv(name: str, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            f"{name}: 文件是UTF-16编码(Excel的“Unicode文本”),不是CSV;请在Excel中另存为“CSV UTF-8(逗号分隔)”"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{name}: 文件以UTF-8字节顺序标记开头,但第{exc.start + 4}字节起不是UTF-8编码;请重新另存为“CSV UTF-8(逗号分隔)”"
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise InputFileError(
                f"{name}: 文件既不是UTF-8也不是GB18030编码(第{utf8.start + 1}字节起无法按UTF-8解读,"
                "按GB18030也无法解读);请在Excel中另存为“CSV UTF-8(逗号分隔)”"
            ) from None


def _csv_input(name: str, data: bytes, digest: str, reader: _RowReader) -> SheetInput:
    text, encoding = _decode_csv(name, data)
    if "\x00" in text:
        raise InputFileError(f"{name}: 文件中含有NUL字符,不是文本CSV;请在Excel中另存为“CSV UTF-8(逗号分隔)”")
    parsed = csv.reader(io.StringIO(text, newline=""))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        start = 1
        try:
            for cells in parsed:
                yield start, list(cells)
                start = parsed.line_num + 1
        except csv.Error as exc:
            raise InputFileError(f"{name}: 第{start}行起CSV格式错误({exc})") from None

    sheet = _sheet_input(name, None, digest, reader, rows(), encoding, csv_width=True)
    if encoding == "gb18030" and sheet.record_type is None:
        raise InputFileError(
            f"{name}: 文件不是UTF-8编码;按GB18030(中文版Excel保存CSV所用的编码)读出的表头也无法识别"
            f"({sheet.problem or '文件为空'}),可能是其他编码;请在Excel中另存为“CSV UTF-8(逗号分隔)”"
        )
    return sheet


# ---- JSON Lines out -------------------------------------------------------------------------


@attrs.frozen
class ImportProblem:
    """A sheet not recognised, or a row that could not be read, while turning sheets into JSON Lines."""

    file: str
    sheet: str | None
    line: int | None
    code: str
    message: str


def write_jsonl(sheets: Iterable[SheetInput], out: IO[bytes]) -> list[ImportProblem]:
    """Write each record of each recognised sheet as one JSON line (the same dicts that scoring
    reads); blank rows are left out. Returns the sheets and rows that could not be written."""
    problems: list[ImportProblem] = []
    for sheet in sheets:
        if sheet.record_type is None:
            if sheet.problem is not None:
                problems.append(
                    ImportProblem(sheet.file, sheet.sheet, sheet.header_line, "unrecognised_sheet", sheet.problem)
                )
            continue
        for row in sheet.rows:
            if row.error is not None:
                problems.append(ImportProblem(sheet.file, sheet.sheet, row.line, row.error.code, row.error.message))
            elif row.record is not None:
                out.write(orjson.dumps(row.record) + b"\n")
    return problems


def read_records(
    path: str | os.PathLike[str], import_map: ImportMap, tag_labels: Mapping[int, Mapping[str, str]] | None = None
) -> list[dict[str, Any]]:
    """Every record of a spreadsheet file, in order (blank rows, row errors and unrecognised
    sheets left out): a convenience for tests and programs; scoring uses :func:`iter_sheets`."""
    return [
        row.record
        for sheet in iter_sheets(path, import_map, tag_labels)
        for row in sheet.rows
        if row.record is not None and row.error is None
    ]


# ---- records → an office workbook -------------------------------------------------------------


def _quarter_words(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 6 and value[4] == "Q" and value[5] in "1234":
        return f"{value[:4]}年第{'一二三四'[int(value[5]) - 1]}季度"
    return value


def write_records_workbook(
    records: Iterable[Mapping[str, Any]],
    path: str | os.PathLike[str],
    import_map: ImportMap,
    tag_labels: Mapping[int, Mapping[str, str]] | None = None,
) -> None:
    """Records (JSON Lines dicts) as the workbook an office keeps: one sheet per record type (in
    order of first appearance), each field under its first header in the import map, values by
    their labels (是/否, 属实/不属实/待核实, 县联社/市联社 …), dates as date cells, a finding's tag by
    its Chinese label. Reading it back with :func:`iter_sheets` gives the same records."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ._documents import xlsx_cell
    from ._files import atomic_path

    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for rec in records:
        by_type.setdefault(str(rec.get("type")), []).append(rec)
    book = Workbook(write_only=True)
    for rtype, recs in by_type.items():
        mapping = import_map.record(rtype)
        required, optional = RECORD_FIELDS.get(rtype, ((), ()))
        blank_label = {f: labels[0] for f, labels in mapping.blank.items() if labels}
        fields = [f for f in (*required, *optional) if mapping.headers.get(f) and any(f in r for r in recs)]
        if not fields:
            continue
        ws = book.create_sheet(TYPE_LABELS.get(rtype, rtype))
        ws.freeze_panes = "A2"
        for i, f in enumerate(fields, 1):
            ws.column_dimensions[get_column_letter(i)].width = 24 if f in ("note", "employees") else 14
        header = []
        for f in fields:
            cell = WriteOnlyCell(ws, mapping.headers[f][0])
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for rec in recs:
            row: list[Any] = []
            for f in fields:
                value = rec.get(f)
                labels = {v: k for k, v in reversed(list(mapping.values.get(f, {}).items()))}  # first label wins
                if value is None:
                    row.append(blank_label.get(f))
                    continue
                label = next((k for v, k in labels.items() if v == value and type(v) is type(value)), None)
                if label is not None:
                    row.append(label)
                elif f in DATE_FIELDS and isinstance(value, str):
                    try:
                        day = _dt.date.fromisoformat(value)
                    except ValueError:
                        row.append(value)
                        continue
                    cell = WriteOnlyCell(ws, _dt.datetime(day.year, day.month, day.day))
                    cell.number_format = "yyyy-mm-dd"
                    row.append(cell)
                elif f in BOOL_FIELDS and isinstance(value, bool):
                    row.append("是" if value else "否")
                elif f in LIST_FIELDS and isinstance(value, list):
                    row.append("、".join(str(v) for v in value))
                elif f == "tag" and tag_labels:
                    article = rec.get("article")
                    names = (
                        {t: label for label, t in tag_labels.get(article, {}).items()} if type(article) is int else {}
                    )
                    row.append(names.get(value, value))
                elif f == "quarter":
                    row.append(_quarter_words(value))
                else:
                    row.append(value)
            ws.append([xlsx_cell(ws, v) for v in row])
    with atomic_path(path) as tmp:
        book.save(tmp)


def run_import(
    paths: Iterable[str | os.PathLike[str]],
    import_map: ImportMap,
    tag_labels: Mapping[int, Mapping[str, str]] | None,
    out: IO[bytes],
    err: IO[str],
) -> int:
    """The body of ``service-rules import FILE… > out.jsonl``: every record of every sheet as JSON
    Lines on ``out`` (the records scoring would read), each unrecognised sheet, unreadable row and
    warning as one line on ``err``. Returns 0, or 1 when some sheet or row could not be written.
    An unreadable file raises :class:`InputFileError` (exit 2) before anything of it is written."""
    status = 0
    for path in paths:
        buffer = io.BytesIO()  # a file that fails midway writes nothing
        problems = write_jsonl(_warned(iter_sheets(path, import_map, tag_labels), err), buffer)
        out.write(buffer.getvalue())
        for p in problems:
            where = f"{p.file}" + (f"“{p.sheet}”" if p.sheet else "") + (f"第{p.line}行" if p.line else "")
            err.write(f"service-rules import: {where}: {p.code}: {p.message}\n")
            status = 1
    return status


def _warned(sheets: Iterable[SheetInput], err: IO[str]) -> Iterator[SheetInput]:
    for sheet in sheets:
        yield sheet
        where = sheet.file + (f"“{sheet.sheet}”" if sheet.sheet else "")
        for warning in sheet.warnings:
            err.write(f"service-rules import: {where}: warning: {warning.code}: {warning.message}\n")
