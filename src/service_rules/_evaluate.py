"""Observations in, a :class:`ScoreResult` out: read, check, match, account.

Every non-blank input line ends in exactly one place: accepted (and then in exactly one
deduction, ``pending``/``dismissed`` list, or bookkeeping table) or rejected with its file,
line number and a stable code. Input is streamed line by line; what is kept grows with the
accepted observations, never with raw lines.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Union

import attrs
import orjson

from . import _facts
from ._compiler import CompiledPack, compile_pack
from ._errors import InputFileError, UsageError
from ._facts import Reject, parse_date, quarter_of
from ._ledger import Ledger, Observation
from ._model import Pack
from ._results import InputSummary, PackRef, Rejection, ScoreResult, dump

# Codes of rejections that depend on the pack (documented with the contract's codes).
UNKNOWN_ARTICLE = "unknown_article"
ARTICLE_MISSING_TEXT = "article_missing_text"
ARTICLE_NOT_SCORED = "article_not_scored"
UNKNOWN_TAG = "unknown_tag"
POINTS_MISSING = "points_missing"
OUT_OF_RANGE = "out_of_range"
POINTS_NOT_GRADED = "points_not_graded"
PERSONS_NOT_PER_PERSON = "persons_not_per_person"
PERSONS_MISMATCH = "persons_mismatch"
NO_RULE = "no_rule"
AMBIGUOUS_RULES = "ambiguous_rules"
UNKNOWN_INSPECTION = "unknown_inspection"
INSPECTION_MISMATCH = "inspection_mismatch"
OUTLET_CONFLICT = "outlet_conflict"

Source = Union[str, os.PathLike[str], IO[bytes]]


@attrs.frozen
class Records:
    """Observations a program already holds (dicts), scored as one named input."""

    records: Iterable[Mapping[str, Any]]
    name: str = "<records>"


@attrs.define
class _InputCount:
    file: str
    sha256: Any = attrs.Factory(hashlib.sha256)
    lines: int = 0
    blank: int = 0
    rejected: int = 0
    digest: str | None = None


class _Run:
    """The state of one scoring run."""

    def __init__(self, compiled: CompiledPack, as_of: _dt.date, reuse: bool) -> None:
        self.c = compiled
        self.as_of = as_of
        self.reuse = reuse
        self.seen_ids: set[str] = set()
        self.rejected: list[tuple[int, int, str | None, str, str]] = []  # (input, line, id, code, msg)
        self.inputs: list[_InputCount] = []
        self.ledger = Ledger(compiled)
        #: (record type, projected values) → (decision, ladders, exclusions), when reusing matches
        self.verdicts: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        #: findings whose inspection reference is checked at the end: (obs, ref, input, line, record, watchers)
        self.pending_refs: list[tuple[Observation, str, int, int, dict[str, Any] | None, Any]] = []
        self.inspections: dict[str, tuple[str, str]] = {}  # id -> (outlet, date)
        self.outlet_lines: dict[str, tuple[int, int]] = {}
        self.finding_fields = compiled.shape_fields.get("finding", ())
        self.complaint_fields = compiled.shape_fields.get("complaint", ())
        # A finding's verdict depends on its article, its tag and the other fields rules read.
        self.finding_extra = tuple(f for f in self.finding_fields if f not in ("article", "section", "tag"))
        self.finding_verdicts: dict[tuple[Any, ...], tuple[str, Any, Any]] = {}
        self.periods: dict[str, str] = {}  # date string -> quarter
        self.names: dict[str, str] = {}  # outlets and dates, each kept as one string object
        #: called with the number of lines read so far, every 65,536 lines (``--progress``)
        self.progress: Callable[[int], None] | None = None
        self.lines_before = 0
        self.ladders = {lad.id: lad for lad in compiled.oversight.ladders}
        self.streaks = {st.id: st for st in compiled.oversight.streaks}

    def _verdict(
        self, record_type: str, values: dict[str, Any], what: str
    ) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """One question to the matcher per observation (per distinct shape when reusing): the rule
        that decides it, and the ladders and exclusions that watch it; or a Reject."""
        fields = self.c.shape_fields.get(record_type, ())
        key = (record_type, *(values.get(f) for f in fields))
        hit = self.verdicts.get(key) if self.reuse else None
        if hit is None:
            shape = {"type": record_type}
            for f in fields:
                if values.get(f) is not None:
                    shape[f] = values[f]
            matched = self.c.match(shape, reuse=self.reuse)
            hit = (self.c.decision(matched), self.c.watchers(matched, "ladder:"), self.c.watchers(matched, "exclude:"))
            if self.reuse:
                self.verdicts[key] = hit
        decision, ladders, exclusions = hit
        if not decision:
            raise Reject(NO_RULE, f"no rule of the pack applies to {what}")
        if len(decision) > 1:
            raise Reject(
                AMBIGUOUS_RULES,
                f"rules {', '.join(decision)} all apply to {what}; the pack must let one supersede the others",
            )
        return decision[0], ladders, exclusions

    def _period_of(self, date: str) -> str:
        """The quarter of a date already checked by the schema (one parse per distinct date)."""
        period = self.periods.get(date)
        if period is None:
            period = self.periods[date] = quarter_of(parse_date(date, "date"))
        return period

    def _record_watched(self, ladders: tuple[str, ...], exclusions: tuple[str, ...], obj: dict[str, Any]) -> None:
        for ladder_id in ladders:
            subject = obj.get(self.ladders[ladder_id].subject)
            if type(subject) is str:
                self.ledger.ladder_facts.append((ladder_id, subject, obj["date"], obj["id"]))
        for code in exclusions:
            self.ledger.exclusions.append((code, obj["outlet"], obj["date"], obj["id"]))

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
                if not raw.strip():
                    count.blank += 1
                    continue
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as bad:
                    self.reject(index, n, None, _facts.INVALID_UTF8, f"not valid UTF-8 at byte {bad.start}")
                    continue
                self.reject(index, n, None, _facts.MALFORMED_JSON, f"malformed JSON: {exc}")
                continue
            if type(obj) is dict and raw.count(b":") > len(obj):
                try:  # a colon inside a value, or a key given twice: look properly
                    json.loads(raw, object_pairs_hook=_no_repeated_keys)
                except Reject as exc:
                    self.reject(index, n, None, exc.code, exc.message)
                    continue
            accept(obj, index, n)
        count.lines = n
        count.digest = count.sha256.hexdigest()
        self.lines_before += n

    def read_records(self, index: int, records: Iterable[Mapping[str, Any]]) -> None:
        count = self.inputs[index]
        n = 0
        for record in records:
            n += 1
            text = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
            count.sha256.update(text.encode() + b"\n")
            self.accept(dict(record) if isinstance(record, Mapping) else record, index, n)
        count.lines = n
        count.digest = count.sha256.hexdigest()

    def reject(self, index: int, line: int, rid: str | None, code: str, message: str) -> None:
        self.rejected.append((index, line, rid, code, message))
        self.inputs[index].rejected += 1

    # ---- one record ----------------------------------------------------------------------
    def accept(self, obj: Any, index: int, line: int) -> None:
        if type(obj) is not dict:
            self.reject(index, line, None, _facts.NOT_AN_OBJECT, f"expected a JSON object, found {type(obj).__name__}")
            return
        rid = obj.get("id")
        if type(rid) is str:
            if rid in self.seen_ids:
                self.reject(index, line, rid, _facts.DUPLICATE_ID, f"id {rid!r} was already used earlier in the input")
                return
            self.seen_ids.add(rid)
        else:
            rid = None
        rtype = obj.get("type")
        spec = _facts.RECORD_TYPES.get(rtype) if type(rtype) is str else None
        if spec is None:
            known = ", ".join(_facts.RECORD_TYPES)
            self.reject(index, line, rid, _facts.UNKNOWN_TYPE, f"unknown type {rtype!r} (expected one of {known})")
            return
        try:
            if not spec.fast_ok(obj):
                spec.check(obj)
            if rtype == "finding":
                self._finding(obj, index, line)
            elif rtype == "complaint":
                self._complaint(obj, index, line)
            elif rtype == "inspection":
                self._inspection(obj)
            elif rtype == "outlet":
                self._outlet(obj, index, line)
            elif rtype == "star":
                self._star(obj)
            else:
                self.ledger.add_oversight(str(rtype), obj, index, line)
        except Reject as exc:
            self.reject(
                index,
                line,
                rid
                if rid is not None
                else obj.get("outlet")
                if rtype == "outlet" and type(obj.get("outlet")) is str
                else rid,
                exc.code,
                exc.message,
            )

    def _finding_verdict(self, number: int, tag: str | None, obj: dict[str, Any]) -> tuple[str, Any, Any]:
        """The rule that decides a finding (its article, tag and whatever else rules read), or a Reject."""
        c = self.c
        article = c.articles.get(number)
        if article is None:
            raise Reject(UNKNOWN_ARTICLE, f"article {number} is not in pack {c.name}")
        if article.status == "missing":
            raise Reject(
                ARTICLE_MISSING_TEXT,
                f"pack {c.name} has no text for article {number} (missing from its source); a layer that completes the pack can score it",
            )
        section = c.sections.get(article.section) if article.section is not None else None
        if section is None or not section.scored:
            raise Reject(
                ARTICLE_NOT_SCORED,
                f"article {number} is not scored (section {article.section} is not a scored section)",
            )
        if tag is not None and tag not in article.tags:
            known = ", ".join(sorted(article.tags)) or "none"
            raise Reject(UNKNOWN_TAG, f"article {number} knows no tag {tag!r} (known: {known})")
        values = {"article": number, "section": article.section, "tag": tag}
        for f in self.finding_extra:
            values[f] = obj.get(f)
        what = f"a finding on article {number}" + (f" tagged {tag}" if tag else "")
        rule_id, ladders, exclusions = self._verdict("finding", values, what)
        return rule_id, c.rules[rule_id].rule.deduct, (ladders, exclusions)

    def _finding(self, obj: dict[str, Any], index: int, line: int) -> None:
        number = obj["article"]
        tag = obj.get("tag")
        if self.reuse:
            key = (number, tag, *[obj.get(f) for f in self.finding_extra]) if self.finding_extra else (number, tag)
            verdict = self.finding_verdicts.get(key)
            if verdict is None:
                verdict = self.finding_verdicts[key] = self._finding_verdict(number, tag, obj)
        else:
            verdict = self._finding_verdict(number, tag, obj)
        rule_id, deduct, watched = verdict
        points = obj.get("points")
        persons = obj.get("persons")
        employees = obj.get("employees")
        if deduct is None:  # listed, not deducted (a measured time within its limit, say)
            if points is not None:
                raise Reject(POINTS_NOT_GRADED, f"rule {rule_id} deducts nothing; 'points' must not be given")
            if persons is not None:
                raise Reject(
                    PERSONS_NOT_PER_PERSON, f"rule {rule_id} does not deduct per person; 'persons' must not be given"
                )
            return self._finding_kept(obj, index, line, rule_id, number, 0, None, tag, employees, watched)
        kind = deduct.kind
        if kind == "graded":
            if points is None:
                raise Reject(
                    POINTS_MISSING,
                    f"article {number} is graded {deduct.min}–{deduct.max} by rule {rule_id}: 'points' is required",
                )
            if not deduct.min <= points <= deduct.max:
                raise Reject(
                    OUT_OF_RANGE,
                    f"points {points} is outside {deduct.min}–{deduct.max} for article {number} (rule {rule_id})",
                )
            amount = points
        elif points is not None:
            raise Reject(
                POINTS_NOT_GRADED,
                f"rule {rule_id} deducts a fixed amount for article {number}; 'points' must not be given",
            )
        if kind == "per_person":
            if employees is not None:
                if persons is not None and persons != len(employees):
                    raise Reject(PERSONS_MISMATCH, f"persons is {persons} but {len(employees)} employees are named")
                persons = len(employees)
            elif persons is None:
                persons = 1
            amount = deduct.points * persons
        elif persons is not None:
            raise Reject(
                PERSONS_NOT_PER_PERSON, f"rule {rule_id} does not deduct per person; 'persons' must not be given"
            )
        elif kind == "fixed":
            amount = deduct.points
        self._finding_kept(obj, index, line, rule_id, number, amount, persons, tag, employees, watched)

    def _finding_kept(
        self,
        obj: dict[str, Any],
        index: int,
        line: int,
        rule_id: str,
        number: int,
        amount: int,
        persons: int | None,
        tag: str | None,
        employees: list[str] | None,
        watched: Any,
    ) -> None:
        date = obj["date"]
        period = self._period_of(date)
        ref = obj.get("inspection")
        outlet = obj["outlet"]
        outlet = self.names.setdefault(outlet, outlet)  # one string per outlet, not per line
        date = self.names.setdefault(date, date)
        obs = Observation(
            obj["id"],
            outlet,
            period,
            date,
            rule_id,
            number,
            amount,
            persons,
            tag,
            tuple(employees) if employees is not None else None,
            obj.get("note"),
            ref,
        )
        if ref is not None:
            target = self.inspections.get(ref)
            if target is None:
                if ref in self.seen_ids:  # an id of a rejected line, or of another kind of record
                    raise Reject(UNKNOWN_INSPECTION, f"{ref!r} is not an accepted inspection of the input")
                # the inspection may come later: decide at the end, keeping only what is needed
                kept = obj if watched[0] or watched[1] else None
                self.pending_refs.append((obs, ref, index, line, kept, watched))
                return
            if target != (obs.outlet, obs.date):
                raise Reject(INSPECTION_MISMATCH, _mismatch(ref, target, obs))
        self.ledger.add(obs)
        if watched[0] or watched[1]:
            self._record_watched(watched[0], watched[1], obj)

    def _complaint(self, obj: dict[str, Any], index: int, line: int) -> None:
        # null is absent; an absent field with a default reads as its default
        values = {f: _or_default(obj.get(f), ("complaint", f)) for f in self.complaint_fields}
        rule_id, ladders, exclusions = self._verdict("complaint", values, "this complaint")
        rule = self.c.rules[rule_id].rule
        amount = rule.deduct.points if rule.deduct is not None and rule.deduct.points is not None else 0
        date = obj["date"]
        if ladders or exclusions:
            self._record_watched(ladders, exclusions, obj)
        self.ledger.add(
            Observation(
                id=obj["id"],
                outlet=obj["outlet"],
                period=self._period_of(date),
                date=date,
                rule=rule_id,
                article=None,
                points=amount,
                note=obj.get("note"),
                employees=(obj["employee"],) if obj.get("employee") else None,
            )
        )

    def _star(self, obj: dict[str, Any]) -> None:
        shape = {"type": "star"}
        for f in self.c.shape_fields.get("star", ()):
            if obj.get(f) is not None:
                shape[f] = obj[f]
        for streak_id in self.c.watching(shape, "streak:", reuse=self.reuse):
            subject = obj.get(self.streaks[streak_id].subject)
            if type(subject) is str:
                self.ledger.streak_facts.append((streak_id, subject, obj["month"], obj["id"]))

    def _inspection(self, obj: dict[str, Any]) -> None:
        self.inspections[obj["id"]] = (obj["outlet"], obj["date"])
        self.ledger.add_inspection(obj, self._period_of(obj["date"]))

    def _outlet(self, obj: dict[str, Any], index: int, line: int) -> None:
        outlet, county, name = obj["outlet"], obj["county"], obj.get("name")
        known = self.ledger.registry.get(outlet)
        if known is not None:
            k_county, k_name = known
            where = self.outlet_lines[outlet]
            at = f"{self.inputs[where[0]].file}:{where[1]}"
            if k_county != county:
                raise Reject(OUTLET_CONFLICT, f"outlet {outlet} is in county {k_county!r} at {at}, here {county!r}")
            if name is not None and k_name is not None and k_name != name:
                raise Reject(OUTLET_CONFLICT, f"outlet {outlet} is named {k_name!r} at {at}, here {name!r}")
            if name is not None and k_name is None:
                self.ledger.registry[outlet] = (county, name)
            return
        self.ledger.registry[outlet] = (county, name)
        self.outlet_lines[outlet] = (index, line)

    # ---- results -------------------------------------------------------------------------
    def pack_ref(self) -> PackRef:
        p = self.c.pack
        return PackRef(p.meta.name, p.meta.version, p.digest or "", self.c.matcher.name)

    def summaries(self) -> tuple[InputSummary, ...]:
        return tuple(
            InputSummary(
                c.file, c.digest or c.sha256.hexdigest(), c.lines, c.lines - c.blank - c.rejected, c.rejected, c.blank
            )
            for c in self.inputs
        )

    def rejections(self) -> tuple[Rejection, ...]:
        return tuple(
            Rejection(self.inputs[i].file, line, rid, code, msg)
            for i, line, rid, code, msg in sorted(self.rejected, key=lambda r: (r[0], r[1]))
        )

    # ---- end of input --------------------------------------------------------------------
    def resolve_references(self) -> None:
        for obs, ref, index, line, obj, watched in self.pending_refs:
            target = self.inspections.get(ref)
            if target is None:
                self.reject(
                    index,
                    line,
                    obs.id,
                    UNKNOWN_INSPECTION,
                    f"inspection {ref!r} is not among the accepted records of the input",
                )
            elif target != (obs.outlet, obs.date):
                self.reject(
                    index,
                    line,
                    obs.id,
                    INSPECTION_MISMATCH,
                    _mismatch(ref, target, obs),
                )
            else:
                self.ledger.add(obs)
                if obj is not None:  # kept only when a ladder or an exclusion watches it
                    self._record_watched(watched[0], watched[1], obj)
        self.pending_refs.clear()


def _mismatch(ref: str, target: tuple[str, str], obs: Observation) -> str:
    return (
        f"inspection {ref!r} is of outlet {target[0]} on {target[1]}, the finding of outlet {obs.outlet} on {obs.date}"
    )


def _or_default(value: Any, key: tuple[str, str]) -> Any:
    return _facts.DEFAULTS.get(key) if value is None else value


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for k, v in pairs:
        if k in obj:
            raise Reject(_facts.MALFORMED_JSON, f"key {k!r} is given twice in one object")
        obj[k] = v
    return obj


def _open(source: Source) -> tuple[str, Iterator[bytes], IO[bytes] | None]:
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        if name == "-":
            return "-", iter(sys.stdin.buffer), None
        try:
            handle = open(name, "rb")  # noqa: SIM115 - closed by the caller
        except OSError as exc:
            raise InputFileError(f"cannot read {name}: {exc.strerror or exc}") from exc
        return name, iter(handle), handle
    if isinstance(source, io.TextIOBase):
        raise UsageError("open input files in binary mode ('rb')")
    label = getattr(source, "name", None)
    return (label if isinstance(label, str) else "<stream>"), iter(source), None


def score(
    pack: Pack | CompiledPack | str | os.PathLike[str],
    inputs: Sequence[Source | Records] = (),
    *,
    period: str | None = None,
    as_of: _dt.date | str | None = None,
    reuse_matches: bool = True,
) -> ScoreResult:
    """Score observations under a pack.

    ``pack`` is a compiled pack, a loaded one, or a built-in name or folder path.
    ``inputs`` are JSON Lines files (paths, ``"-"`` for standard input, binary streams) or
    :class:`Records` of dicts already in memory. ``period`` (``"2026Q3"``) limits the
    scorecards to one quarter; other quarters' facts are still checked. ``as_of`` (default:
    today) decides deadlines. ``reuse_matches=False`` asks the matcher about every
    observation instead of once per distinct shape (same result, slower).
    """
    compiled = _compiled(pack)
    _check_period(period)
    with no_cyclic_gc(reuse_matches):
        run = ingest(compiled, inputs, _as_date(as_of), reuse_matches)
        return ScoreResult(
            pack=run.pack_ref(),
            as_of=run.as_of.isoformat(),
            period=period,
            inputs=run.summaries(),
            scorecards=run.ledger.scorecards(period),
            actions=run.ledger.actions(period, run.as_of),
            rejected=run.rejections(),
        )


@contextlib.contextmanager
def no_cyclic_gc(off: bool = True) -> Iterator[None]:
    """Scoring allocates many small objects that never form cycles; the cyclic collector would
    only re-scan them (about a quarter of the run time on 100k findings). Restored on exit.

    Not when every observation goes to durable_rules (``reuse_matches=False``): each of its
    calls leaves a reference cycle, about 10 KiB, that only the collector frees."""
    collecting = gc.isenabled()
    if off:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _check_period(period: str | None) -> None:
    if period is not None:
        try:
            _facts.parse_quarter(period)
        except ValueError as exc:
            raise UsageError(f"--period: {exc}") from None


def score_to_stream(
    compiled: CompiledPack,
    inputs: Sequence[Source | Records],
    out: IO[bytes],
    *,
    period: str | None = None,
    as_of: _dt.date | str | None = None,
    reuse_matches: bool = True,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Score and write the result as JSON to ``out`` scorecard by scorecard; return the number of
    rejected lines. The bytes are those of ``score(...).to_json()`` followed by a newline, but
    no scorecard is held longer than it takes to write it."""
    _check_period(period)
    with no_cyclic_gc(reuse_matches):
        run = ingest(compiled, inputs, _as_date(as_of), reuse_matches, progress)
        dumps = orjson.dumps
        write = out.write
        write(b'{"pack":' + dumps(dump(run.pack_ref())) + b',"as_of":' + dumps(run.as_of.isoformat()))
        write(b',"period":' + dumps(period) + b',"inputs":' + dumps(dump(run.summaries())) + b',"scorecards":[')
        first = True
        for card in run.ledger.iter_scorecard_dicts(period):
            write((b"" if first else b",") + dumps(card))
            first = False
        rejected = run.rejections()
        write(b'],"actions":' + dumps(dump(run.ledger.actions(period, run.as_of))))
        write(b',"rejected":' + dumps(dump(rejected)) + b"}\n")
        return len(rejected)


def ingest(
    compiled: CompiledPack,
    inputs: Sequence[Source | Records],
    as_of: _dt.date,
    reuse: bool = True,
    progress: Callable[[int], None] | None = None,
) -> _Run:
    """Read and check every input; the run's ledger then holds every accepted fact."""
    run = _Run(compiled, as_of, reuse)
    run.progress = progress
    for source in inputs:
        index = len(run.inputs)
        if isinstance(source, Records):
            run.inputs.append(_InputCount(source.name))
            run.read_records(index, source.records)
            continue
        name, lines, handle = _open(source)
        run.inputs.append(_InputCount(name))
        try:
            run.read_lines(index, lines)
        except OSError as exc:
            raise InputFileError(f"cannot read {name}: {exc}") from exc
        finally:
            if handle is not None:
                handle.close()
    run.resolve_references()
    return run


def _compiled(pack: Pack | CompiledPack | str | os.PathLike[str]) -> CompiledPack:
    if isinstance(pack, CompiledPack):
        return pack
    if isinstance(pack, Pack):
        return compile_pack(pack)
    from ._loader import load_pack

    return compile_pack(load_pack(pack))


def _as_date(value: _dt.date | str | None) -> _dt.date:
    if value is None:
        return _dt.date.today()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return parse_date(value, "as_of")
    except Reject as exc:
        raise UsageError(f"--as-of: {exc.message}") from None
