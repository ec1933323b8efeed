"""Bytes and records in, the input contract checked, one immutable :class:`Facts` store out.

Every non-blank input line ends in exactly one place: accepted as a typed record of the
store, or rejected with its file, line number and a stable code. Which rule decides a finding
or complaint is asked of the compiled pack here (once per distinct shape), so the store holds
each observation with its rule; counting and accounting come later, in pure functions.
Input is streamed line by line; what is kept grows with the accepted records, never with raw
lines.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import re
import sys
import types
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, NamedTuple, Union

import attrs
import orjson

from . import _appeals, _corrections, _facts
from ._amendments import Versions
from ._codes import RejectionCode as C
from ._compiler import CompiledPack
from ._errors import EngineError, InputFileError, UsageError
from ._facts import JSON_TYPES, Reject, parse_date, show
from ._files import is_sheet_file
from ._periods import Granularity, finer_or_equal, parse_period, period_key, period_of
from ._registry import RegistryCheck
from ._results import InputSummary, PackRef, Rejection, Replacement, ResultWarning
from ._store import (
    AppealRecord,
    Facts,
    Inspection,
    LapseRecord,
    Observation,
    Registration,
    ReportRecord,
    Watched,
)

Source = Union[str, os.PathLike[str], IO[bytes]]


@attrs.frozen
class Records:
    """Observations a program already holds (dicts), scored as one named input."""

    records: Iterable[Mapping[str, Any]]
    name: str = "<records>"


def shown_path(name: str) -> str:
    """A path as given, as UTF-8 text: the bytes of a file name that are not UTF-8 (which Python
    keeps as lone surrogates) shown as U+FFFD, so that a result naming it can be written."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


@attrs.define
class _InputCount:
    #: the path as given, as text the output can carry: bytes of a file name that are not UTF-8
    #: (a POSIX name is any bytes) shown as U+FFFD
    file: str = attrs.field(converter=shown_path)
    sha256: Any = attrs.Factory(hashlib.sha256)
    lines: int = 0
    blank: int = 0
    rejected: int = 0
    #: A sheet of a workbook (or a CSV file): its name (None for CSV), the whole file's digest,
    #: and why nothing of it was read (a header matching no record type, or several).
    sheet: str | None = None
    digest: str | None = None
    problem: str | None = None
    #: rejected lines whose id a correction replaced (moved from rejected to replaced)
    replaced: int = 0

    def summary(self) -> InputSummary:
        return InputSummary(
            file=self.file,
            sha256=self.digest if self.digest is not None else self.sha256.hexdigest(),
            lines=self.lines,
            accepted=self.lines - self.blank - self.rejected - self.replaced,
            rejected=self.rejected,
            blank=self.blank,
            sheet=self.sheet,
            problem=self.problem,
            replaced=self.replaced,
        )


@attrs.frozen
class _RejectedLine:
    input: int
    line: int
    id: str | None
    code: str
    message: str
    #: What the line names, where it can be read (see :func:`_named`): its outlet, its county,
    #: and the date, quarter or month it is of (as written).
    outlet: str | None = None
    county: str | None = None
    when: str | None = None
    #: the id the line's ``replaces`` names, where it is a string (a chain may pass through it)
    replaces: str | None = None


@attrs.frozen
class _Verdict:
    """What the pack decided for one shape: the rule, and the oversight rules that watch it."""

    rule: str
    ladders: tuple[str, ...]
    exclusions: tuple[str, ...]


#: Names a reader interns, at most (:class:`Interned`); past them, one object per name still.
MAX_INTERNED = 100_000


class Interned(dict[str, str]):
    """Each string as one object for the run: the interpreter's interned object for it (looked
    up in C, made once), for the first :data:`MAX_INTERNED` names; past them the string itself.

    Interning is bounded because what is interned may outlive the run: CPython 3.12.0–3.12.5
    (and free-threaded builds) make every interned string immortal, and ``marshal.loads`` (the
    parent reading a worker's range, which marks the strings it interned) interns immortally on
    3.12 and 3.13 (measured: 3.12.1, 3.13.0) — about 100 bytes a name kept until the process
    ends. Dates, periods and rules are few; outlets are as many as the input names, so a
    long-lived process scoring hostile input (millions of made-up outlet codes) keeps at most
    :data:`MAX_INTERNED` of them (~10 MB), and the rest go with the run."""

    def __missing__(self, key: str) -> str:
        value = self[key] = sys.intern(key) if len(self) < MAX_INTERNED else key
        return value


class _PendingReference(NamedTuple):
    """A finding naming an inspection not (yet) seen: decided once the whole input is read.
    (A named tuple: in a merged export a quarter of the findings come before their inspection.)"""

    observation: Observation
    reference: str
    input: int
    line: int
    record: dict[str, Any] | None
    verdict: _Verdict


class _Reader:
    """The mutable state of reading one run's inputs; :meth:`facts` freezes it into the store."""

    def __init__(
        self, compiled: CompiledPack, reuse: bool, progress: Callable[[int], None] | None, strict_registry: bool = False
    ) -> None:
        self.c = compiled
        self.registry_check = RegistryCheck(strict_registry)
        self.reuse = reuse
        self.progress = progress
        self.seen_ids: set[str] = set()
        self.rejected: list[_RejectedLine] = []
        self.inputs: list[_InputCount] = []
        self.registry: dict[str, Registration] = {}
        self.outlet_lines: dict[str, tuple[int, int]] = {}
        self.observations: defaultdict[tuple[str, str], list[Observation]] = defaultdict(list)
        self.inspection_index: dict[str, tuple[str, str]] = {}  # id -> (outlet, date)
        self.inspections: defaultdict[tuple[str, str], list[Inspection]] = defaultdict(list)
        #: (outlet, period) of facts kept outside ``observations`` (an observation's key is its
        #: list's: see :meth:`_present`)
        self.present: set[tuple[str, str]] = set()
        self.lapses: list[LapseRecord] = []
        self.reports: list[ReportRecord] = []
        self.ladder_facts: list[Watched] = []
        self.streak_facts: list[Watched] = []
        self.exclusions: list[Watched] = []
        self.pending: list[_PendingReference] = []
        self.warnings: list[ResultWarning] = []
        #: accepted records carrying ``replaces``, and accepted appeals (decided after all input)
        self.corrections: list[tuple[_corrections.Correction, dict[str, Any]]] = []
        self.appeals: list[tuple[AppealRecord, int, int, dict[str, Any]]] = []
        self.replaced: list[Replacement] = []
        #: (input, line) of rejected appeal lines → their target (what they touch, decided at the end)
        self.refused_appeals: dict[tuple[int, int], str] = {}
        #: (record type, projected values) → verdict, when reusing matches
        self.verdicts: dict[tuple[Any, ...], _Verdict] = {}
        self.finding_fields = compiled.shape_fields.get("finding", ())
        self.complaint_fields = compiled.shape_fields.get("complaint", ())
        # A finding's verdict depends on its article, its tag and the other fields rules read.
        self.finding_extra = tuple(f for f in self.finding_fields if f not in ("article", "section", "tag"))
        self.finding_verdicts: dict[tuple[Any, ...], tuple[_Verdict, Any]] = {}
        self.periods: dict[str, str] = {}  # date string -> its period of the pack's granularity
        self.granularity: Granularity = compiled.pack.meta.period
        #: outlets and dates, each kept as one string object: the interned one, which is also
        #: what a parallel worker's (marshalled as interned) becomes as the parent loads it
        self.names = Interned()
        self.first = self.registry_check.first  # outlet → (input, line) of its first accepted fact
        self.lines_before = 0
        self.ladders = {lad.id: lad for lad in compiled.oversight.ladders}
        self.streaks = {st.id: st for st in compiled.oversight.streaks}
        handlers: dict[str, Callable[[dict[str, Any], int, int], None]] = {
            "finding": self._finding,
            "complaint": self._complaint,
            "inspection": self._inspection,
            "outlet": self._outlet,
            "star": self._star,
            "lapse": self._lapse,
            "report": self._report,
            "appeal": self._appeal,
        }
        #: record type → (its contract, its handler): one lookup per line
        # The registry check notes the lines it may report: every line of the rare record types,
        # finding lines only under strict_registry (otherwise _finding_kept notes each outlet's
        # first line, at no cost on the hot path).
        for name in self.registry_check.watched_types():
            handlers[name] = self.registry_check.watch(name, handlers[name])
        if compiled.versions is not None:  # an amended pack: each record judged by the text of its day
            handlers = self._versioned(compiled.versions, handlers)
        self.dispatch = {name: (spec, handlers[name]) for name, spec in _facts.RECORD_TYPES.items()}

    # ---- amended packs ---------------------------------------------------------------------
    def _versioned(
        self, versions: Versions[CompiledPack], handlers: dict[str, Callable[[dict[str, Any], int, int], None]]
    ) -> dict[str, Callable[[dict[str, Any], int, int], None]]:
        """Handlers of the matched record types that first switch to the version in force on the
        record's day (a star's month: its last day), each version keeping its own memos; the
        ladders and streaks watched are those of every version (ladders count across versions)."""
        memos: list[tuple[Any, ...]] = []
        for c in versions.items:
            finding_fields = c.shape_fields.get("finding", ())
            extra = tuple(f for f in finding_fields if f not in ("article", "section", "tag"))
            memos.append((c, {}, {}, finding_fields, c.shape_fields.get("complaint", ()), extra))
            self.ladders.update({lad.id: lad for lad in c.oversight.ladders if lad.id not in self.ladders})
            self.streaks.update({st.id: st for st in c.oversight.streaks if st.id not in self.streaks})
        base = memos[0]

        def switch(state: tuple[Any, ...]) -> None:
            (self.c, self.verdicts, self.finding_verdicts, self.finding_fields) = state[:4]
            (self.complaint_fields, self.finding_extra) = state[4:]

        def wrap(handle: Callable[[dict[str, Any], int, int], None], field: str, end: str) -> Any:
            def run(obj: dict[str, Any], index: int, line: int) -> None:
                switch(memos[versions.index_at(obj[field] + end)])
                try:
                    handle(obj, index, line)
                finally:
                    switch(base)

            return run

        out = dict(handlers)
        out["finding"] = wrap(handlers["finding"], "date", "")
        out["complaint"] = wrap(handlers["complaint"], "date", "")
        out["star"] = wrap(handlers["star"], "month", "-31")  # sorts after every day of the month
        return out

    # ---- matching ------------------------------------------------------------------------
    def _verdict(self, record_type: str, values: dict[str, Any], what: str) -> _Verdict:
        """One question to the matcher per observation (per distinct shape when reusing): the rule
        that decides it, and the ladders and exclusions that watch it; or a Reject."""
        fields = self.c.shape_fields.get(record_type, ())
        of = self.c.classes.of  # (a value's class: what the verdict depends on)
        key = (record_type, *(of(f, values.get(f)) for f in fields))
        hit = self.verdicts.get(key) if self.reuse else None
        if hit is None:
            shape = {"type": record_type}
            for f in fields:
                if values.get(f) is not None:
                    shape[f] = values[f]
            matched = self.c.match(shape, reuse=self.reuse)
            decision = self.c.decision(matched)
            if not decision:
                if record_type in self.c.pack.meta.not_scored:
                    raise Reject(C.NO_RULE, _not_scored_words(self.c.pack.meta.title, record_type, what))
                raise Reject(C.NO_RULE, f"规则包中没有适用于{what}的规则")
            if len(decision) > 1:
                raise Reject(
                    C.AMBIGUOUS_RULES,
                    f"规则 {'、'.join(decision)} 都适用于{what};规则包须指明由哪一条代替其他各条",
                )
            hit = _Verdict(
                rule=sys.intern(decision[0]),  # one object per rule in a run's observations, whoever read them
                ladders=self.c.watchers(matched, "ladder:"),
                exclusions=self.c.watchers(matched, "exclude:"),
            )
            if self.reuse:
                self.verdicts[key] = hit
        return hit

    def _period_of(self, date: str) -> str:
        """The period (of the pack's granularity) of a date already checked by the schema."""
        period = self.periods.get(date)
        if period is None:
            period = self.periods[date] = sys.intern(period_key(date, self.granularity))
        return period

    def _record_watched(self, verdict: _Verdict, obj: dict[str, Any]) -> None:
        for ladder_id in verdict.ladders:
            ladder = self.ladders[ladder_id]
            subject = obj.get(ladder.subject)
            key = tuple(obj.get(f) for f in ladder.same) if ladder.same else ()
            if type(subject) is str:
                self.ladder_facts.append(
                    Watched(rule=ladder_id, subject=subject, when=obj["date"], id=obj["id"], key=key)
                )
            elif type(subject) is list:  # a finding's employees: each named employee counts once
                for name in dict.fromkeys(subject):
                    self.ladder_facts.append(
                        Watched(rule=ladder_id, subject=name, when=obj["date"], id=obj["id"], key=key)
                    )
        for code in verdict.exclusions:
            self.exclusions.append(Watched(rule=code, subject=obj["outlet"], when=obj["date"], id=obj["id"]))

    # ---- reading -------------------------------------------------------------------------
    def read_lines(self, index: int, lines: Iterable[bytes]) -> None:
        count = self.inputs[index]
        update = count.sha256.update
        loads = orjson.loads
        accept = self.accept
        progress = self.progress
        n = 0
        for raw in lines:
            n += 1
            update(raw)
            if progress is not None and not n & 0xFFFF:
                progress(self.lines_before + n)
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError as exc:
                self._unparsed(index, n, raw, exc)
                continue
            if type(obj) is dict and raw.count(b":") > len(obj) and not self._keys_hold(index, n, raw, obj):
                continue
            accept(obj, index, n)
        count.lines = n
        self.lines_before += n

    def read_line(self, index: int, n: int, raw: bytes) -> None:
        """Line ``n`` of input ``index``, exactly as :meth:`read_lines` reads it (without the
        digest and the count of lines): for the parallel reader's lines it did not check itself."""
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            self._unparsed(index, n, raw, exc)
            return
        if type(obj) is dict and raw.count(b":") > len(obj) and not self._keys_hold(index, n, raw, obj):
            return
        self.accept(obj, index, n)

    def _unparsed(self, index: int, n: int, raw: bytes, exc: orjson.JSONDecodeError) -> None:
        """A line that is no JSON: blank (counted), not UTF-8, or malformed (rejected)."""
        if not raw.strip():
            self.inputs[index].blank += 1
            return
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            self.reject(index, n, None, C.INVALID_UTF8, f"第 {bad.start} 字节起不是有效的UTF-8编码")
            return
        self.reject(index, n, None, C.MALFORMED_JSON, f"JSON格式错误:{exc}")

    def _keys_hold(self, index: int, n: int, raw: bytes, obj: dict[str, Any]) -> bool:
        """More colons than keys: a colon inside a value, or a key given twice — look properly;
        False (the line rejected) for a key given twice."""
        try:
            _check_keys(raw, obj)
        except Reject as exc:
            self.reject(index, n, None, exc.code, exc.message)
            return False
        return True

    def read_records(self, index: int, records: Iterable[Mapping[str, Any]]) -> None:
        count = self.inputs[index]
        n = 0
        for record in _iterate(records):
            n += 1
            data = _record_bytes(record)
            count.sha256.update(data)
            if isinstance(record, Mapping):
                if not _utf8(data):
                    self.reject(index, n, None, C.INVALID_UTF8, "字符串中有不能编码为UTF-8的代理字符(surrogate)")
                    continue
                bad_key = next((k for k in record if type(k) is not str), _NONE)
                if bad_key is not _NONE:
                    message = f"键 {show(bad_key)} 不是字符串(JSON对象的键都是字符串)"
                    self.reject(index, n, None, C.NOT_AN_OBJECT, message)
                    continue
                record = {k: _iso(v) for k, v in record.items()}
            self.accept(record, index, n)
        count.lines = n

    def read_sheets(self, name: str) -> None:
        """A workbook's sheets (or a CSV file), each one input: every row below the header goes
        through :meth:`accept` as a JSON line does, located at its sheet and Excel row. ``lines``
        counts the rows below the header row (records, blank and rejected rows); the header row
        and any title rows above it are counted apart, as they are not records."""
        from ._importmap import tag_labels_of
        from ._sheets import iter_sheets

        for sheet in iter_sheets(name, self.c.pack.imports, tag_labels_of(self.c.pack)):
            labels = _value_labels(self.c.pack.imports.record(sheet.record_type)) if sheet.record_type else {}
            index = len(self.inputs)
            count = _InputCount(name, sheet=sheet.sheet, digest=sheet.sha256, problem=sheet.problem)
            self.inputs.append(count)
            n = 0
            for row in sheet.rows:
                n += 1
                if row.record is None:
                    count.blank += 1
                elif row.error is not None:
                    rid = row.record.get("id")
                    self.reject(
                        index,
                        row.line,
                        rid if type(rid) is str else None,
                        row.error.code,
                        row.error.message,
                        row.record,
                    )
                else:
                    before = len(self.rejected)
                    self.accept(row.record, index, row.line)
                    if len(self.rejected) > before and sheet.headers:
                        self.rejected[-1] = _in_clerk_terms(
                            self.rejected[-1],
                            sheet.headers,
                            labels,
                            _blank_words(self.c.pack.imports, sheet.record_type),
                        )
            count.lines = n
            self.lines_before += n
            self.warnings.extend(
                ResultWarning(code=w.code, message=w.message, file=count.file, sheet=sheet.sheet, line=w.line)
                for w in sheet.warnings
            )

    def reject(self, index: int, line: int, rid: str | None, code: str, message: str, obj: Any = None) -> None:
        """Reject a line; ``obj``, the record when the line became one, says what it names."""
        outlet, county, when = _named(obj)
        replaces = obj.get("replaces") if type(obj) is dict else None
        if type(obj) is dict and obj.get("type") == "appeal" and type(obj.get("target")) is str:
            self.refused_appeals[(index, line)] = obj["target"]  # what it names, known at the end
        self.rejected.append(
            _RejectedLine(
                input=index,
                line=line,
                id=rid,
                code=code,
                message=message,
                outlet=outlet,
                county=county,
                when=when,
                replaces=replaces if type(replaces) is str else None,
            )
        )
        self.inputs[index].rejected += 1

    # ---- one record ----------------------------------------------------------------------
    def duplicate(self, index: int, line: int, rid: str, obj: Any) -> None:
        """Reject a line whose id an earlier line (accepted or not) already used: the first wins."""
        self.reject(index, line, rid, C.DUPLICATE_ID, f"编号 {show(rid)} 已被前面的记录使用", obj)

    def accept(self, obj: Any, index: int, line: int) -> None:
        if type(obj) is not dict:
            self.reject(index, line, None, C.NOT_AN_OBJECT, f"应为JSON对象,实为{_json_type(obj)}")
            return
        rid = obj.get("id")
        if type(rid) is str:
            if rid in self.seen_ids:
                self.duplicate(index, line, rid, obj)
                return
            self.seen_ids.add(rid)
        else:
            rid = None
        rtype = obj.get("type")
        entry = self.dispatch.get(rtype) if type(rtype) is str else None
        if entry is None:
            known = "、".join(_facts.RECORD_TYPES)
            self.reject(index, line, rid, C.UNKNOWN_TYPE, f"类型 {show(rtype)} 未知(应为 {known} 之一)", obj)
            return
        spec, handle = entry
        try:
            if not spec.fast_ok(obj):
                spec.check(obj)
            handle(obj, index, line)
            if "replaces" in obj and obj["replaces"] is not None:
                self.corrections.append((_corrections.Correction(obj["id"], obj["replaces"], index, line), obj))
        except Reject as exc:
            if rid is None and rtype == "outlet" and type(obj.get("outlet")) is str:
                rid = obj["outlet"]  # an outlet record is known by its code
            self.reject(index, line, rid, exc.code, exc.message, obj)

    def _finding_verdict(self, number: int, tag: str | None, obj: dict[str, Any]) -> tuple[_Verdict, Any]:
        """The rule that decides a finding (its article, tag and whatever else rules read), or a Reject."""
        c = self.c
        unit = c.pack.meta.article_unit  # 条 (Cangzhou), 项 (generic)
        article = c.articles.get(number)
        if article is None:
            raise Reject(C.UNKNOWN_ARTICLE, f"规则包 {c.name} 中没有第 {number} {unit}")
        if article.status == "missing":
            raise Reject(
                C.ARTICLE_MISSING_TEXT,
                f"规则包 {c.name} 缺少第 {number} {unit}的原文;补全该{unit}的规则包层可以对其评分",
            )
        section = c.sections.get(article.section) if article.section is not None else None
        if section is None or not section.scored:
            raise Reject(
                C.ARTICLE_NOT_SCORED,
                f"第 {number} {unit}所在的第 {article.section} 章不计分",
            )
        if tag is not None and tag not in article.tags:
            known = "、".join(sorted(article.tags)) or "无"
            raise Reject(C.UNKNOWN_TAG, f"第 {number} {unit}没有标签 {show(tag)}(可用标签:{known})")
        values = {"article": number, "section": article.section, "tag": tag}
        for f in self.finding_extra:
            values[f] = obj.get(f)
        what = f"第 {number} {unit}" + (f"标签 {tag} " if tag else "") + "的检查发现"
        verdict = self._verdict("finding", values, what)
        return verdict, c.rules[verdict.rule].rule.deduct

    def _finding(self, obj: dict[str, Any], index: int, line: int) -> None:
        number = obj["article"]
        tag = obj.get("tag")
        if self.reuse:
            extra = self.finding_extra
            key = (number, tag, *[self.c.classes.of(f, obj.get(f)) for f in extra]) if extra else (number, tag)
            cached = self.finding_verdicts.get(key)
            if cached is None:
                cached = self.finding_verdicts[key] = self._finding_verdict(number, tag, obj)
        else:
            cached = self._finding_verdict(number, tag, obj)
        verdict, deduct = cached
        rule_id = verdict.rule
        points = obj.get("points")
        persons = obj.get("persons")
        employees = obj.get("employees")
        if deduct is None:  # listed, not deducted (a measured time within its limit, say)
            if points is not None:
                raise Reject(C.POINTS_NOT_GRADED, f"规则 {rule_id} 不扣分,不应填写 'points'")
            if persons is not None:
                raise Reject(C.PERSONS_NOT_PER_PERSON, f"规则 {rule_id} 不按人次扣分,不应填写 'persons'")
            return self._finding_kept(obj, index, line, verdict, number, 0, None, tag, employees)
        kind = deduct.kind
        if kind == "graded":
            if points is None:
                raise Reject(
                    C.POINTS_MISSING,
                    f"第 {number} {self.c.pack.meta.article_unit}按规则 {rule_id} 评定扣 {deduct.min}–{deduct.max} 分,须填写 'points'",
                )
            if not deduct.min <= points <= deduct.max:
                raise Reject(
                    C.OUT_OF_RANGE,
                    f"points {points} 超出第 {number} {self.c.pack.meta.article_unit}的评定范围 {deduct.min}–{deduct.max}(规则 {rule_id})",
                )
            amount = points
        elif points is not None:
            raise Reject(
                C.POINTS_NOT_GRADED,
                f"规则 {rule_id} 对第 {number} {self.c.pack.meta.article_unit}不按评定分值扣分,不应填写 'points'",
            )
        if kind == "per_person":
            if employees is not None:
                if persons is not None and persons != len(employees):
                    raise Reject(C.PERSONS_MISMATCH, f"persons 为 {persons},但 employees 列出了 {len(employees)} 人")
                persons = len(employees)
            elif persons is None:
                persons = 1
            amount = deduct.points * persons
        elif persons is not None:
            raise Reject(C.PERSONS_NOT_PER_PERSON, f"规则 {rule_id} 不按人次扣分,不应填写 'persons'")
        elif kind == "fixed":
            amount = deduct.points
        self._finding_kept(obj, index, line, verdict, number, amount, persons, tag, employees)

    def _finding_kept(
        self,
        obj: dict[str, Any],
        index: int,
        line: int,
        verdict: _Verdict,
        number: int,
        amount: int,
        persons: int | None,
        tag: str | None,
        employees: list[str] | None,
    ) -> None:
        date = obj["date"]
        outlet = obj["outlet"]
        if outlet not in self.first:  # (not "not in names": an outlet may be spelt like a date)
            self.first[outlet] = (index, line)
        names = self.names  # one string per outlet and per date, not per line
        outlet = names[outlet]
        date = names[date]
        # The one positional construction of a record, on the hottest line of a run (one per
        # finding): keyword binding costs twice as much. Field order is Observation's, checked
        # field by field by tests/test_core.py::test_a_finding_is_stored_field_by_field.
        obs = Observation(
            obj["id"],  # id
            outlet,  # outlet
            self._period_of(date),  # period
            date,  # date
            verdict.rule,  # rule
            number,  # article
            amount,  # points
            persons,  # persons
            tag,  # tag
            tuple(employees) if employees is not None else None,  # employees
            obj.get("note"),  # note
            obj.get("inspection"),  # inspection
        )
        self._store_finding(index, line, obs, verdict, obj if verdict.ladders or verdict.exclusions else None)

    def _store_finding(
        self, index: int, line: int, obs: Observation, verdict: _Verdict, watched: dict[str, Any] | None
    ) -> None:
        """Store a checked finding: what depends on the lines before it (the inspection it names).
        ``watched`` is its record when a ladder or an exclusion watches it. The parallel reader
        (``_parallel``) calls this, in line order, with what a worker computed."""
        ref = obs.inspection
        if ref is not None:
            target = self.inspection_index.get(ref)
            if target is None:
                if ref in self.seen_ids:  # an id of a rejected line, or of another kind of record
                    raise Reject(C.UNKNOWN_INSPECTION, f"{show(ref)} 不是输入中已接受的检查记录")
                # the inspection may come later: decide at the end, keeping only what is needed
                self.pending.append(_PendingReference(obs, ref, index, line, watched, verdict))
                return
            if target != (obs.outlet, obs.date):
                raise Reject(C.INSPECTION_MISMATCH, _mismatch(ref, target, obs))
        self.observations[(obs.outlet, obs.period)].append(obs)
        if watched is not None:
            self._record_watched(verdict, watched)

    def _keep(self, obs: Observation) -> None:
        self.observations[(obs.outlet, obs.period)].append(obs)

    def _complaint(self, obj: dict[str, Any], index: int, line: int) -> None:
        # null is absent; an absent field with a default reads as its default
        values = {f: _or_default(obj.get(f), ("complaint", f)) for f in self.complaint_fields}
        verdict = self._verdict("complaint", values, "这条投诉")
        rule = self.c.rules[verdict.rule].rule
        amount = rule.deduct.points if rule.deduct is not None and rule.deduct.points is not None else 0
        date = self.names[obj["date"]]
        if verdict.ladders or verdict.exclusions:
            self._record_watched(verdict, obj)
        self._keep(
            Observation(
                id=obj["id"],
                outlet=self.names[obj["outlet"]],
                period=self._period_of(date),
                date=date,
                rule=verdict.rule,
                article=None,
                points=amount,
                note=obj.get("note"),
                employees=(obj["employee"],) if obj.get("employee") else None,
            )
        )

    def _star(self, obj: dict[str, Any], index: int, line: int) -> None:
        shape = {"type": "star"}
        for f in self.c.shape_fields.get("star", ()):
            if obj.get(f) is not None:
                shape[f] = obj[f]
        for streak_id in self.c.watching(shape, "streak:", reuse=self.reuse):
            subject = obj.get(self.streaks[streak_id].subject)
            if type(subject) is str:
                self.streak_facts.append(Watched(rule=streak_id, subject=subject, when=obj["month"], id=obj["id"]))

    def _inspection(self, obj: dict[str, Any], index: int, line: int) -> None:
        outlet, date = self.names[obj["outlet"]], self.names[obj["date"]]  # (its findings' own objects)
        self.inspection_index[obj["id"]] = (outlet, date)
        key = (outlet, self._period_of(date))
        self.inspections[key].append(Inspection(id=obj["id"], outlet=outlet, date=date, by=obj["by"]))
        self.present.add(key)

    def _lapse(self, obj: dict[str, Any], index: int, line: int) -> None:
        self.lapses.append(
            LapseRecord(id=obj["id"], county=obj["county"], date=obj["date"], kind=obj["kind"], note=obj.get("note"))
        )

    def _report(self, obj: dict[str, Any], index: int, line: int) -> None:
        self.reports.append(
            ReportRecord(id=obj["id"], county=obj["county"], quarter=obj["quarter"], submitted=obj["submitted"])
        )

    def _appeal(self, obj: dict[str, Any], index: int, line: int) -> None:
        _appeals.check_record(obj)
        self.appeals.append((_appeals.record_of(obj), index, line, obj))

    def _outlet(self, obj: dict[str, Any], index: int, line: int) -> None:
        outlet, county, name = obj["outlet"], obj["county"], obj.get("name")
        known = self.registry.get(outlet)
        if known is not None:
            where = self.outlet_lines[outlet]
            at = f"{self.inputs[where[0]].file}:{where[1]}"
            if known.county != county:
                raise Reject(
                    C.OUTLET_CONFLICT,
                    f"网点 {show(outlet)} 在 {at} 属于 {show(known.county)},此处却是 {show(county)}",
                )
            if name is not None and known.name is not None and known.name != name:
                raise Reject(
                    C.OUTLET_CONFLICT, f"网点 {show(outlet)} 在 {at} 名为 {show(known.name)},此处却是 {show(name)}"
                )
            if name is not None and known.name is None:
                self.registry[outlet] = Registration(outlet=outlet, county=county, name=name)
            return
        self.registry[outlet] = Registration(outlet=outlet, county=county, name=name)
        self.outlet_lines[outlet] = (index, line)

    # ---- end of input --------------------------------------------------------------------
    def resolve_references(self) -> None:
        # (a merged export leaves a quarter of its findings here: the common case, a finding of
        # its inspection's outlet and date, is kept inline, as _store_finding keeps it)
        target_of = self.inspection_index.get
        observations = self.observations
        for obs, reference, index, line, record, verdict in self.pending:
            target = target_of(reference)
            # (by position: an Observation's fields by name cost a call each, on a quarter of a run's findings)
            if target is not None and target[0] == obs[1] and target[1] == obs[3]:  # its outlet and date
                observations[(obs[1], obs[2])].append(obs)  # (outlet, period)
                if record is not None:  # kept only when a ladder or an exclusion watches it
                    self._record_watched(verdict, record)
            elif target is None:
                self.reject(
                    index,
                    line,
                    obs.id,
                    C.UNKNOWN_INSPECTION,
                    f"检查记录 {show(reference)} 不在输入已接受的记录之中",
                    {"outlet": obs.outlet, "date": obs.date},
                )
            else:
                self.reject(
                    index,
                    line,
                    obs.id,
                    C.INSPECTION_MISMATCH,
                    _mismatch(reference, target, obs),
                    {"outlet": obs.outlet, "date": obs.date},
                )
        self.pending.clear()

    def check_registry(self) -> list[ResultWarning]:
        """The registry's warnings; under ``strict_registry``, the lines it contradicts rejected
        and taken out of every index (a post-pass: registrations may follow the facts)."""
        files = [count.file for count in self.inputs]
        warnings, strict = self.registry_check.decide(
            self.registry,
            self.outlet_lines,
            {o for o, _ in self._present()},
            files,
            {(r.input, r.line) for r in self.rejected},
        )
        if strict:
            for s in strict:
                self.reject(s.input, s.line, s.id, s.code, s.message, s.record)
            self._forget({s.id for s in strict if s.id is not None})
        return warnings

    def _present(self) -> set[tuple[str, str]]:
        """(outlet, period) of every accepted inspection, finding and complaint."""
        return self.present | set(self.observations)

    def _forget(self, ids: set[str]) -> None:
        """Take the records of ``ids`` (rejected after the fact) out of every index."""
        for key in list(self.observations):
            self.observations[key] = [o for o in self.observations[key] if o.id not in ids]
            if not self.observations[key]:
                del self.observations[key]
        for key in list(self.inspections):
            self.inspections[key] = [i for i in self.inspections[key] if i.id not in ids]
            if not self.inspections[key]:
                del self.inspections[key]
        self.present = set(self.observations) | set(self.inspections)
        self.ladder_facts = [w for w in self.ladder_facts if w.id not in ids]
        self.exclusions = [w for w in self.exclusions if w.id not in ids]
        self.lapses = [x for x in self.lapses if x.id not in ids]
        self.reports = [x for x in self.reports if x.id not in ids]
        self.streak_facts = [w for w in self.streak_facts if w.id not in ids]
        self.appeals = [a for a in self.appeals if a[0].id not in ids]
        for inspection_id in ids & self.inspection_index.keys():
            del self.inspection_index[inspection_id]

    def apply_corrections(self) -> None:
        """Corrections (``replaces``) once all input is read: the replaced records leave every
        index, a rejected line whose id is replaced moves to ``replaced``, and corrections of a
        missing id, in a cycle or replacing an id twice are rejected (:mod:`._corrections`)."""
        if not self.corrections:
            return
        where = {(r.input, r.line) for r in self.rejected}
        accepted = [c for c, _ in self.corrections if (c.input, c.line) not in where]
        records = {(c.input, c.line): obj for c, obj in self.corrections}
        chained = {r.id: r.replaces for r in self.rejected if r.id is not None and r.replaces is not None}
        decision = _corrections.resolve(accepted, self.seen_ids, chained)
        refused_ids = set()
        for f in decision.refused:
            c = f.correction
            self.reject(c.input, c.line, c.id, f.code, f.message, records[(c.input, c.line)])
            refused_ids.add(c.id)
        replaced = {r.id: r for r in decision.replaced}
        rejected_codes: dict[str, str] = {}
        kept: list[_RejectedLine] = []
        for r in sorted(self.rejected, key=lambda r: (r.input, r.line)):
            if r.id is not None and r.id in replaced and r.id not in refused_ids:
                rejected_codes.setdefault(r.id, r.code)
                self.inputs[r.input].rejected -= 1
                self.inputs[r.input].replaced += 1
            else:
                kept.append(r)
        self.rejected = kept
        self.replaced = [
            Replacement(
                id=r.id,
                by=r.by.id,
                current=r.current,
                file=self.inputs[r.by.input].file,
                line=r.by.line,
                sheet=self.inputs[r.by.input].sheet,
                rejected=rejected_codes.get(r.id),
            )
            for r in decision.replaced
        ]
        self._forget(set(replaced) | refused_ids)

    def decide_appeals(self) -> dict[str, AppealRecord]:
        """Appeals against what the run accepted (:func:`._appeals.decide`): per target the one
        that counts; the others rejected where they sit."""
        if not self.appeals and not self.refused_appeals:
            return {}
        derived: set[str] = set()
        for text in self.c.versions.items if self.c.versions is not None else (self.c,):  # every text's
            o = text.oversight
            derived |= {x.id for x in o.crosschecks} | {x.id for x in o.cadences if x.lapse}
            derived |= {x.id for x in o.deadlines if x.lapse}
        observations = {
            obs.id: (obs, self.c.in_force(obs.date).rules[obs.rule].rule.outcome == "deduct")
            for items in self.observations.values()
            for obs in items
        }
        targets = _appeals.Targets(
            observations=observations,
            lapses={x.id for x in self.lapses},
            derived_rules=derived,
            replaced={r.id: r.current for r in self.replaced},
        )
        refused, counting = _appeals.decide([a for a, *_ in self.appeals], targets)
        at = {a.id: (index, line) for a, index, line, _ in self.appeals}
        counting = {
            t: attrs.evolve(
                a, file=self.inputs[at[a.id][0]].file, sheet=self.inputs[at[a.id][0]].sheet, line=at[a.id][1]
            )
            for t, a in counting.items()
        }
        lines = {a.id: (index, line, obj) for a, index, line, obj in self.appeals}
        lapses = {x.id: x for x in self.lapses}

        def named(target: str) -> dict[str, Any] | None:
            """A refused appeal touches what it names: the finding's outlet, the lapse's county."""
            hit = observations.get(target)
            if hit is not None:
                return {"outlet": hit[0].outlet, "date": hit[0].date}
            lapse = lapses.get(target)
            return {"county": lapse.county, "date": lapse.date} if lapse is not None else None

        for f in refused:
            index, line, obj = lines[f.appeal.id]
            self.reject(index, line, f.appeal.id, f.code, f.message, named(f.appeal.target) or obj)
        if self.refused_appeals:
            for i, r in enumerate(self.rejected):
                target = self.refused_appeals.get((r.input, r.line))
                what = named(target) if target is not None else None
                if what is not None:
                    outlet, county, when = _named(what)
                    self.rejected[i] = attrs.evolve(r, outlet=outlet, county=county, when=when)
        return counting

    def _unregistered_in_rejections(
        self, warnings: list[ResultWarning], files: list[str], sheets: list[str | None]
    ) -> list[ResultWarning]:
        """Where outlet records are given, an outlet code seen only on rejected lines and in no
        registration is most likely a typo: said once, at its first rejected line."""
        if not self.registry:
            return []
        warned = {w.outlet for w in warnings if w.code == "unregistered_outlet"}
        warned |= {r.outlet for r in self.rejected if r.code == "unregistered_outlet"}  # said already
        found: list[ResultWarning] = []
        for r in sorted(self.rejected, key=lambda r: (r.input, r.line)):
            if r.outlet is None or r.outlet in self.registry or r.outlet in warned:
                continue
            warned.add(r.outlet)
            found.append(
                ResultWarning(
                    code="unregistered_outlet",
                    message=f"网点代码 {show(r.outlet)} 未在网点名录中登记,只见于未采纳的记录(可能录入错误)",
                    file=files[r.input],
                    sheet=sheets[r.input],
                    line=r.line,
                    outlet=r.outlet,
                )
            )
        return found

    def _rejection(
        self, r: _RejectedLine, files: list[str], sheets: list[str | None], periods: dict[str, str | None]
    ) -> Rejection:
        """A rejected line as the result lists it: the county also from the outlet's registration,
        the period from its date, quarter or month where it can be read (``periods``: those read
        so far, by text: a run's rejected lines share a few dates)."""
        county = r.county
        if county is None and r.outlet is not None:
            entry = self.registry.get(r.outlet)
            county = entry.county if entry is not None else None
        when = r.when
        if when is None:
            period = None
        elif when in periods:
            period = periods[when]
        else:
            period = periods[when] = _period_of_text(when, self.granularity)
        return Rejection(
            file=files[r.input],
            line=r.line,
            id=r.id,
            code=r.code,
            error=r.message,
            sheet=sheets[r.input],
            outlet=r.outlet,
            county=county,
            period=period,
        )

    def facts(self) -> Facts:
        p = self.c.pack
        warnings = self.check_registry()
        self.apply_corrections()
        appeals = self.decide_appeals()
        files = [count.file for count in self.inputs]
        sheets = [count.sheet for count in self.inputs]
        self.warnings.extend(warnings)
        self.warnings.extend(self._unregistered_in_rejections(warnings, files, sheets))
        periods: dict[str, str | None] = {}
        return Facts(
            pack=PackRef(name=p.meta.name, version=p.meta.version, digest=p.digest or "", matcher=self.c.matcher.name),
            inputs=tuple(count.summary() for count in self.inputs),
            rejected=tuple(
                self._rejection(r, files, sheets, periods)
                for r in sorted(self.rejected, key=lambda r: (r.input, r.line))
            ),
            registry=types.MappingProxyType(self.registry),
            observations=types.MappingProxyType({k: tuple(v) for k, v in self.observations.items()}),
            inspections=types.MappingProxyType({k: tuple(v) for k, v in self.inspections.items()}),
            present=frozenset(self._present()),
            lapses=tuple(self.lapses),
            reports=tuple(self.reports),
            ladder_facts=tuple(self.ladder_facts),
            streak_facts=tuple(self.streak_facts),
            exclusions=tuple(self.exclusions),
            warnings=tuple(self.warnings),
            appeals=types.MappingProxyType(appeals),
            replaced=tuple(self.replaced),
        )


#: Longer strings are not read as an outlet or county code (nothing a clerk types is this long).
_MAX_NAME = 256


def _text(value: Any) -> str | None:
    return value if type(value) is str and value.strip() and len(value) <= _MAX_NAME else None


def _named(obj: Any) -> tuple[str | None, str | None, str | None]:
    """The outlet, county and date (or quarter, or month) a record names, where each is a
    non-empty string: what a rejection of it reports."""
    if type(obj) is not dict:
        return None, None, None
    when = _text(obj.get("date")) or _text(obj.get("quarter")) or _text(obj.get("month"))
    return _text(obj.get("outlet")), _text(obj.get("county")), when


def _period_of_text(text: str, granularity: Granularity) -> str | None:
    """The period (of the pack's granularity) of a date (``YYYY-MM-DD``), quarter (``YYYYQn``) or
    month (``YYYY-MM``) as written on a rejected line, when it is one of the contract's (years
    1900–2099) and falls inside one period of that granularity; else None."""
    try:
        if len(text) == 10:
            day = parse_date(text, "date")
        else:
            first = parse_period(text)
            if not finer_or_equal(first.granularity, granularity):
                return None  # a quarter's report in a monthly pack: no one month
            day = first.first
    except (Reject, ValueError):
        return None
    if not 1900 <= day.year <= 2099:
        return None
    return str(period_of(day, granularity))


def _value_labels(imports: Any) -> dict[str, str]:
    """The Chinese label of each contract value a sheet's import map declares (first one wins):
    ``{"phone": "电话", "county": "县联社"}``."""
    out: dict[str, str] = {}
    for by_label in imports.values.values():
        for label, value in by_label.items():
            if isinstance(value, str):
                out.setdefault(value, label)
    return out


def _blank_words(imports: Any, record_type: str | None) -> Mapping[str, list[str]]:
    """The words a sheet's import map reads as an empty cell, by field (``{"decision": ["待决"]}``)."""
    if not record_type:
        return {}
    blank: Mapping[str, list[str]] = imports.record(record_type).blank
    return blank


def _in_clerk_terms(
    r: _RejectedLine,
    headers: Mapping[str, str],
    labels: Mapping[str, str],
    blanks: Mapping[str, list[str]] | None = None,
) -> _RejectedLine:
    """A sheet row's rejection in the words on the sheet: the column header for the contract's
    field name, the Chinese label for a contract value (the English code stays); a value not
    allowed lists the words read as an empty cell too (待决, 待定: every accepted word); a label
    the message names twice (“变更分值”(变更分值), 决定日期 “决定日期”列) is said once."""
    message = r.message
    if r.code == C.INVALID_VALUE.value and "应为" in message:
        for field, words in (blanks or {}).items():
            if words and f"'{field}'" in message:
                message += ";也可填 " + "、".join(f"“{w}”" for w in words) + " 或留空(视同未填)"
    for field, header in headers.items():
        if header and header != field:
            message = message.replace(f"缺少字段 '{field}'", f"缺少“{header}”列").replace(
                f"字段 '{field}'", f"“{header}”列"
            )
            message = message.replace(f"'{field}'", f"“{header}”列")
    for value, label in labels.items():
        message = message.replace(f"'{value}'", f"“{label}”")
    message = re.sub(r"“([^”]+)”[((]\1[))]", r"“\1”", message)
    message = re.sub(r"(\w+) “\1”列", r"“\1”列", message)
    return attrs.evolve(r, message=message)


def _mismatch(ref: str, target: tuple[str, str], obs: Observation) -> str:
    return (
        f"检查记录 {show(ref)} 是网点 {show(target[0])} 在 {target[1]} 的检查,"
        f"而这条发现是网点 {show(obs.outlet)} 在 {obs.date} 的"
    )


def _or_default(value: Any, key: tuple[str, str]) -> Any:
    return _facts.DEFAULTS.get(key) if value is None else value


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for k, v in pairs:
        if k in obj:
            raise Reject(C.MALFORMED_JSON, f"同一对象中键 {show(k)} 出现了两次")
        obj[k] = v
    return obj


#: Objects and arrays of a line may nest this deep (docs/contract.md, "Limits"); no field of the
#: contract nests deeper than 2, and the check for repeated keys must not recurse without bound.
MAX_DEPTH = 64


def _depth_exceeds(obj: Any, limit: int) -> bool:
    """Whether ``obj`` nests objects or arrays more than ``limit`` levels (iterative: no recursion)."""
    level: list[Any] = [obj]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        nxt: list[Any] = []
        for item in level:
            if type(item) is dict:
                nxt.extend(v for v in item.values() if type(v) in (dict, list))
            elif type(item) is list:
                nxt.extend(v for v in item if type(v) in (dict, list))
        level = nxt
    return False


def _check_keys(raw: bytes, obj: dict[str, Any]) -> None:
    """Reject a line whose objects repeat a key (the parser keeps the last silently), or that
    nests too deep to be read again."""
    if _depth_exceeds(obj, MAX_DEPTH):
        raise Reject(C.MALFORMED_JSON, f"对象或数组嵌套超过 {MAX_DEPTH} 层")
    try:
        json.loads(raw, object_pairs_hook=_no_repeated_keys)
    except RecursionError:  # pragma: no cover - the depth is checked first
        raise Reject(C.MALFORMED_JSON, f"对象或数组嵌套超过 {MAX_DEPTH} 层") from None


_NONE = object()


def _json_type(value: Any) -> str:
    return JSON_TYPES.get(type(value).__name__, type(value).__name__)


def _iso(value: Any) -> Any:
    """A ``datetime.date`` of a record as the contract's ISO string; a midnight datetime too."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() and value.tzinfo is None else value
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _record_bytes(record: Any) -> bytes:
    """The bytes of a record that go into its input's digest (dates as ISO strings, any keys)."""
    try:
        text = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):  # keys of mixed types, or too deep
        text = show(record)
    return text.encode("utf-8", "surrogatepass") + b"\n"


def _utf8(data: bytes) -> bool:
    """Whether a record's bytes are valid UTF-8 (a Python string may hold lone surrogates)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _iterate(records: Any) -> Iterator[Any]:
    try:
        return iter(records)
    except TypeError:
        raise UsageError(
            f"Records.records: expected an iterable of dicts, found {type(records).__name__}", param="inputs"
        ) from None


def _open(source: Source) -> tuple[str, Iterator[bytes], IO[bytes] | None]:
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if name == "-":
            stdin = sys.stdin
            buffer = getattr(stdin, "buffer", None) if stdin is not None else None
            if buffer is None or stdin.closed:
                raise InputFileError("无法读取标准输入:它已关闭(cannot read -: standard input is closed)")
            return "-", iter(buffer), None
        try:
            handle = open(name, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise InputFileError(f"cannot read {name}: {exc.strerror or exc}") from exc
        return name, iter(handle), handle
    if isinstance(source, io.TextIOBase):
        raise UsageError("open input files in binary mode ('rb')")
    if isinstance(source, Mapping) or not hasattr(source, "read"):
        what = "a dict" if isinstance(source, Mapping) else type(source).__name__
        raise UsageError(
            f"inputs: found {what}; records in memory go in Records([...]), e.g. score(pack, [Records([{{'type': ...}}])])",
            param="inputs",
        )
    label = getattr(source, "name", None)
    return (label if isinstance(label, str) else "<stream>"), iter(source), None


def ingest(
    compiled: CompiledPack,
    inputs: Sequence[Source | Records],
    *,
    reuse_matches: bool = True,
    progress: Callable[[int], None] | None = None,
    strict_registry: bool = False,
    read_file: Callable[[_Reader, int, str], bool] | None = None,
) -> Facts:
    """Read and check every input under ``compiled``: the run's facts, accepted and rejected.

    ``progress`` is called with the number of lines read so far, every 65,536 lines.
    ``strict_registry``: where outlet records are given, reject the facts on an outlet they do
    not register and the lapses and reports of a county none is registered in (otherwise
    warnings; docs/contract.md).
    ``read_file`` (the parallel reader's hook, ``_parallel``) may read a JSON Lines file given by
    its path into the reader as input ``index``; it returns False to leave the file to this function.
    """
    if compiled.closed:
        raise EngineError(f"compiled pack {compiled.name} was closed; compile it again to score")
    if isinstance(inputs, (str, bytes, os.PathLike, Mapping, Records)) or not hasattr(inputs, "__iter__"):
        raise UsageError("inputs: expected a list of inputs, e.g. [path] or [Records(...)]", param="inputs")
    reader = _Reader(compiled, reuse_matches, progress, strict_registry)
    for source in inputs:
        index = len(reader.inputs)
        if isinstance(source, Records):
            reader.inputs.append(_InputCount(source.name))
            reader.read_records(index, source.records)
            continue
        if isinstance(source, (str, os.PathLike)) and is_sheet_file(source):
            reader.read_sheets(os.fspath(source))  # an unreadable file raises InputFileError
            continue
        if read_file is not None and isinstance(source, (str, os.PathLike)) and os.fspath(source) != "-":
            reader.inputs.append(_InputCount(os.fspath(source)))
            if read_file(reader, index, os.fspath(source)):
                continue
            reader.inputs.pop()
        name, lines, handle = _open(source)
        reader.inputs.append(_InputCount(name))
        try:
            reader.read_lines(index, lines)
        except OSError as exc:
            raise InputFileError(f"cannot read {name}: {exc}") from exc
        finally:
            if handle is not None:
                handle.close()
    reader.resolve_references()
    return reader.facts()


_KIND_WORDS = {"complaint": "客户投诉", "finding": "检查发现的问题"}


def _not_scored_words(title: str, record_type: str, what: str) -> str:
    """Why a record of a type the pack declares outside its regulation is not scored."""
    kind = _KIND_WORDS.get(record_type, record_type)
    return f"《{title}》未将{kind}列入考核(规则包 pack.toml 的 not_scored),{what}不计分"
