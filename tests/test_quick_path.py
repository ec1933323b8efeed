"""A worker's quick path for findings keeps a line only as the full path keeps it.

``_parallel._Collector.quick_for`` makes, per shape of finding (its field names in order), one
function that checks the contract, finds the verdict and computes the points in one call; it
answers None whenever the full path (``accept``'s checks, then ``_Reader._finding``) might not
keep the line with the same fields — a rejection, a verdict or a period not made yet, a rule a
ladder or an exclusion watches. So for any line: quick's fields, when it gives some, are those
the full path keeps. And on ordinary input it does give them (it is not a path that never fires).
"""

from __future__ import annotations

import functools
import marshal
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import service_rules as sr
from _bench import bench_module
from service_rules import _parallel
from service_rules._facts import RECORD_TYPES, Reject

WATCHED = "watched"


@pytest.fixture(scope="module", autouse=True)
def _keep_this_process_priority() -> Iterator[None]:
    """These tests make this process a worker (``_parallel._start``), which lowers its priority:
    not the test run's for every test after them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_parallel.os, "nice", lambda _: 0)
        yield


@pytest.fixture(scope="module", params=["cangzhou", "generic"])
def compiled(request: pytest.FixtureRequest) -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack(request.param))


def _full(collector: _parallel._Collector, obj: Any, piece: bytes) -> tuple[Any, ...] | str | None:
    """What a worker's full path does with a finding line: the fields it keeps, ``WATCHED`` when
    something watches it (the parent stores those), or None (the parent reads the line itself)."""
    collector.run = []
    collector.watched = {}
    if not (
        type(obj) is dict
        and obj.get("type") == "finding"
        and (piece.count(b":") <= len(obj) or _parallel._keys_hold(piece, obj))
        and "replaces" not in obj
    ):
        return None
    spec, handle = collector.dispatch["finding"]
    try:
        if not spec.fast_ok(obj):
            spec.check(obj)
        handle(obj, 0, 7)
    except Reject:
        return None
    if collector.watched:
        return WATCHED
    (fields,) = collector.run
    return fields


def _quick(collector: _parallel._Collector, obj: Any, piece: bytes) -> tuple[Any, ...] | None:
    shape = tuple(obj)
    quick = collector.quick[shape] if shape in collector.quick else collector.quick_for(shape)
    return None if quick is None else quick(obj, piece)


def _worker_of(compiled: sr.CompiledPack) -> _parallel._Collector:
    """This process made a worker of ``compiled`` (``_parallel._start``), and that worker."""
    _parallel._start(compiled)
    collector = _parallel._worker
    assert collector is not None
    return collector


def _kept_as_full(kept: tuple[Any, ...] | None, full: tuple[Any, ...] | str | None) -> None:
    """The law's conclusion: a fast path that keeps a line keeps it with the full path's fields,
    value for value and type for type (1 is not True, 1.0 is not 1)."""
    if kept is not None:
        assert kept == full
        assert isinstance(full, tuple) and all(type(a) is type(b) for a, b in zip(kept, full, strict=True))


FIELDS = list(RECORD_TYPES["finding"].fields)
ODD: list[Any] = [
    None, True, False, 0, -1, 1, 2, 3, 5, 10**4, 2**53 - 1, 2**53, -(2**53), 1.0, 1.5, "", " ", "\u3000",
    "x", "HJ-001", "2026-07-01", "2026-02-30", "2026-7-1", "drunk_on_duty", "no_such_tag", [], ["E1"],
    ["E1", "E1"], ["", "E2"], [1], {"a": 1}, "a:b", "finding", "x" * 300,
]  # fmt: skip
GOOD: dict[str, list[Any]] = {
    "id": ["F-1", "F-2", "同一编号"],
    "outlet": ["HJ-001", "HJ-002", "2026-07-01"],
    "date": ["2026-07-01", "2026-09-30", "2026-10-01", "2025-12-31"],
    "article": [1, 3, 5, 8, 17, 19, 20, 41, 43, 45, 60, 999, 106, 107, 701, 702],
    "points": [None, 0, 1, 2, 3, 5, 20],
    "persons": [None, 1, 2, 3],
    "employees": [None, ["E1"], ["E1", "E2"], ["E1", "E2", "E3"]],
    "tag": [None, "drunk_on_duty", "no_such_tag"],
    "inspection": [None, "I-1"],
    "note": [None, "备注", "a: b"],
    "measured": [None, 0, 3, 10, 1.5, 300, 301],
    "applicable": [None, True, False],
    "replaces": ["F-0"],
}


@functools.cache
def _quarter_findings() -> list[dict[str, Any]]:
    """The findings of a small generated quarter (their own bad lines among them)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "q.jsonl"
        _generate().generate(path, findings=400, outlets=8, shuffle=True)
        out = []
        for piece in path.read_bytes().splitlines():
            try:
                obj = orjson.loads(piece)
            except orjson.JSONDecodeError:
                continue
            if type(obj) is dict and obj.get("type") == "finding":
                out.append(obj)
        return out


@functools.cache
def _pack_findings() -> list[dict[str, Any]]:
    """The findings of the bundled packs' own test cases: the generic pack's read ``applicable``
    and ``measured`` (its rules do), which the generated quarter's (Cangzhou's) never carry."""
    out = []
    for folder in sorted((Path(sr.__file__).parent / "policies").glob("*/tests")):
        for path in sorted(folder.glob("*.toml")):
            for case in tomllib.loads(path.read_text("utf-8")).get("cases", ()):
                out += [orjson.loads(orjson.dumps(r)) for r in case.get("records", ()) if r.get("type") == "finding"]
    return out


@st.composite
def lines(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """A generated finding with up to three fields changed (a value plausible or anything, a
    field dropped or added), its fields sometimes in another order, its type sometimes another;
    its line as orjson writes it, or with a key repeated; and the finding it was made from."""
    base = draw(st.sampled_from(_quarter_findings()) | st.sampled_from(_pack_findings()))
    record = dict(base)
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([f for f in FIELDS if f != "type"] + ["extra"]))
        how = draw(st.integers(0, 9))
        if how == 0:
            record.pop(name, None)
        else:
            record[name] = draw(st.sampled_from(GOOD.get(name, ODD) if how > 3 else ODD))
    names = [n for n in record if n != "type"]
    if draw(st.integers(0, 3)) == 0:
        names = draw(st.permutations(names))
    at = draw(st.integers(0, len(names)))
    names.insert(at, "type")
    obj = {n: record[n] for n in names}
    obj["type"] = draw(st.sampled_from(["finding"] * 6 + ["complaint", ["finding"]]))
    piece = orjson.dumps(obj)
    if draw(st.integers(0, 9)) == 0:  # a key given twice (the same value: only the line tells)
        name = draw(st.sampled_from(list(obj)))
        piece = piece[:-1] + b"," + orjson.dumps({name: obj[name]})[1:]
        obj = orjson.loads(piece)
    return base, obj, piece


@settings(max_examples=3000, deadline=None)
@given(line=lines())
def test_quick_keeps_a_finding_only_as_the_full_path_keeps_it(compiled: sr.CompiledPack, line: Any) -> None:
    base, obj, piece = line
    collector = _worker_of(compiled)
    assert _quick(collector, obj, piece) in (None, _full(collector, obj, piece))  # before any memo is made
    _full(collector, base, orjson.dumps(base))  # its verdict and date's period are memos now, as in a long file
    full = _full(collector, obj, piece)
    quick = _quick(collector, obj, piece)
    event(
        f"quick {'kept' if quick is not None else 'passed on'}; full: {full if isinstance(full, str) else type(full).__name__}"
    )
    _kept_as_full(quick, full)


def _generate() -> ModuleType:
    return bench_module("generate")


def _seen_quarter(tmp_path: Path) -> tuple[_parallel._Collector, list[tuple[Any, bytes]]]:
    """A worker whose full path has seen every line of a generated quarter once (each verdict
    and date memoised, as in a long file), and the quarter's lines that are JSON."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=3000, outlets=40, shuffle=True)
    collector = _worker_of(compiled)
    parsed = []
    for piece in path.read_bytes().splitlines():
        try:
            parsed.append((orjson.loads(piece), piece))
        except orjson.JSONDecodeError:
            continue
    for obj, piece in parsed:
        _full(collector, obj, piece)
    return collector, parsed


def test_quick_takes_every_unwatched_finding_of_a_generated_quarter(tmp_path: Path) -> None:
    """After the full path has seen each verdict and date once, every finding it keeps unwatched
    goes the quick way, with the same fields — but for a line with a colon in a value, which
    the quick paths pass on (their one test for a repeated key counts colons) and the full path
    looks at properly."""
    collector, parsed = _seen_quarter(tmp_path)
    kept = quick = colons = 0
    for obj, piece in parsed:
        full = _full(collector, obj, piece)
        if isinstance(full, tuple):
            kept += 1
            fields = _quick(collector, obj, piece)
            if piece.count(b":") > len(obj):
                assert fields is None
                colons += 1
                continue
            assert fields == full
            quick += 1
    assert kept > 2000 and 0 < colons < kept // 50
    assert quick + colons == kept


def test_past_its_bound_a_worker_makes_no_more_quick_paths() -> None:
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    collector = _worker_of(compiled)
    base = ("type", "id", "outlet", "date", "article")
    optional = ("points", "persons", "employees", "tag", "inspection", "note")
    shapes = {(*base, *o) for o in _subsets(optional)} | {(*reversed(base), *o) for o in _subsets(optional)}
    made = [collector.quick_for(shape) for shape in sorted(shapes)]
    assert len(shapes) > _parallel.MAX_QUICK
    assert len(collector.quick) == _parallel.MAX_QUICK
    assert all(fn is not None for fn in made[: _parallel.MAX_QUICK])
    assert all(fn is None for fn in made[_parallel.MAX_QUICK :])


def test_odd_shapes_never_take_the_places_of_findings() -> None:
    """Regression (review): shapes no finding can have (another record type's, junk keys) were
    kept in the same 64 places, so 64 odd shapes early in a file turned the quick path off for
    the rest of it. They have places of their own now, as bounded."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    collector = _worker_of(compiled)
    for i in range(3 * _parallel.MAX_QUICK):
        assert collector.quick_for(("type", f"junk{i}" * 50)) is None
    assert len(collector.quick) == _parallel.MAX_QUICK  # the odd ones, bounded
    assert collector.quick_for(("type", "id", "outlet", "date", "article")) is not None
    assert collector.quick[("type", "id", "outlet", "date", "article")] is not None


def _subsets(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [()]
    for name in names:
        out += [(*s, name) for s in out]
    return out


def test_no_quick_path_for_an_amended_pack_or_a_shape_the_contract_refuses() -> None:
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    collector = _worker_of(compiled)
    assert collector.quick_for(("type", "id", "outlet", "date", "article")) is not None
    assert collector.quick_for(("type", "id", "outlet", "date")) is None  # no article: the contract rejects it
    assert collector.quick_for(("type", "id", "outlet", "date", "article", "extra")) is None
    assert collector.quick_for(("type", "id", "outlet", "date", "article", "replaces")) is None  # a correction


# ---- the typed path (msgspec) ----------------------------------------------------------------
# ``_Collector._typed``: the line decoded straight into a record of the finding contract's
# fields and types, then the rest of the quick path. The same law: when it keeps a line, it
# keeps it with the full path's fields; and it fires on ordinary input.


def _typed(collector: _parallel._Collector, piece: bytes) -> tuple[Any, ...] | None:
    assert collector.typed is not None
    decode, rest = collector.typed
    try:
        record = decode(piece)
    except Exception:
        return None
    return rest(record, piece)


#: Ways to write the same JSON value otherwise (the typed decoder and orjson must agree on all).
_RESPELL: list[tuple[bytes, bytes]] = [
    (b":", b" : "), (b",", b" ,\t"), (b'"HJ', b'"\\u0048J'), (b'"2026', b'"\\u00326'), (b":1,", b":1.0,"),
    (b":2,", b":2e0,"), (b":0,", b":-0,"), (b":3,", b":3 ,"), (b'"type":"finding"', b'"type":"find\\u0069ng"'),
    (b"}", b"}\r"), (b"{", b" {"), (b'":"', b'":null,"zz":"'), (b":1,", b":true,"), (b'"type":"finding",', b""),
    # and text the two decoders must read alike, or both refuse: a NUL, a pair of surrogates,
    # bytes that are no UTF-8, whitespace JSON does not allow
    (b'"HJ', b'"\\u0000HJ'), (b'"HJ', b'"\\ud83d\\ude00HJ'), (b'"HJ', b'"\xc0\xafHJ'), (b"}", b"}\x0c"),
]  # fmt: skip


@st.composite
def spelt_lines(draw: st.DrawFn) -> tuple[dict[str, Any], Any, bytes]:
    """A line of :func:`lines`, some of its bytes spelt another way (the same JSON, or not)."""
    base, obj, piece = draw(lines())
    for old, new in draw(st.lists(st.sampled_from(_RESPELL), max_size=3)):
        piece = piece.replace(old, new, draw(st.integers(1, 2)))
    try:
        obj = orjson.loads(piece)
    except orjson.JSONDecodeError:
        obj = None
    return base, obj, piece


@settings(max_examples=3000, deadline=None)
@given(line=spelt_lines())
def test_the_typed_path_keeps_a_finding_only_as_the_full_path_keeps_it(compiled: sr.CompiledPack, line: Any) -> None:
    base, obj, piece = line
    collector = _worker_of(compiled)
    assert collector.typed is not None
    assert _typed(collector, piece) in (None, _full(collector, obj, piece))  # before any memo is made
    _full(collector, base, orjson.dumps(base))  # its verdict and date's period are memos now
    for name in collector.finding_extra:  # and its neighbours' (without a field rules read), as in a long file
        for record in (base, obj):
            if type(record) is dict and name in record:
                other = {k: v for k, v in record.items() if k != name}
                _full(collector, other, orjson.dumps(other))
    full = _full(collector, obj, piece)
    typed = _typed(collector, piece)
    event(f"typed {'kept' if typed is not None else 'passed on'}")
    _kept_as_full(typed, full)


def test_the_typed_path_takes_every_unwatched_finding_of_a_generated_quarter(tmp_path: Path) -> None:
    collector, parsed = _seen_quarter(tmp_path)
    kept = 0
    for obj, piece in parsed:
        full = _full(collector, obj, piece)
        # (a null field, or a colon in a value: the line goes the dict way, and the full path keeps it)
        if isinstance(full, tuple) and b'":null' not in piece and piece.count(b":") <= len(obj):
            kept += 1
            assert _typed(collector, piece) == full
    assert kept > 2000


@pytest.mark.parametrize(
    "piece",
    [
        b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25,"article":17}',
        b'{"type":"finding","id":"F-1","id":"F-2","outlet":"HJ-001","date":"2026-07-01","article":25}',
        b'{"type":"finding","type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25}',
        b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25,"note":null,"note":null}',
        b'{"type":"finding","id":" ","outlet":"HJ-001","date":"2026-07-01","article":25}',
        b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-02-30","article":25}',
        b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25,"replaces":"F-0"}',
        b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":9007199254740992}',
        b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25,"employees":["E1","E1"]}',
        b'{"type":"finding","id":"\\ud800","outlet":"HJ-001","date":"2026-07-01","article":25}',
        b'{"id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25}',
    ],
)
def test_the_typed_path_passes_on_what_it_cannot_keep(piece: bytes) -> None:
    """A key given twice (the decoder keeps the last), a blank id, a date that is not one, a
    correction, an article past 2**53, a name listed twice, a lone surrogate, no type (regression,
    review: as a msgspec tag the type could be left out, and the line was kept): the other paths."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    collector = _worker_of(compiled)
    good = b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25}'
    _full(collector, orjson.loads(good), good)
    assert _typed(collector, good) is not None  # the memos are made: it would keep the plain line
    assert _typed(collector, piece) is None


@pytest.mark.parametrize(
    "persons",
    [b'"persons":0', b'"persons":-1', b'"persons":10001', b'"persons":true', b'"persons":2.0',
     b'"employees":[' + b",".join(b'"E%d"' % i for i in range(10001)) + b"]", b'"employees":["E1"," "]',
     b'"employees":[]', b'"employees":["E1",""]', b'"employees":["\\u3000"]', b'"employees":["E1","E2","E1"]'],
)  # fmt: skip
def test_the_typed_path_keeps_no_count_of_persons_the_contract_refuses(persons: bytes) -> None:
    """On a per-person rule, every count of persons from 1 to MAX_PERSONS makes points (its own
    decisions never look again): the decoder's bounds and the list's test are all that stand
    between the typed path and a count the full path rejects."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    collector = _worker_of(compiled)
    good = b'{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":41,"persons":2}'
    _full(collector, orjson.loads(good), good)
    assert _typed(collector, good) == _full(collector, orjson.loads(good), good)
    assert _typed(collector, good.replace(b"2}", b"10000}")) is not None  # the bound itself is kept
    piece = good.replace(b'"persons":2', persons)
    assert _full(collector, orjson.loads(piece), piece) is None
    assert _typed(collector, piece) is None


def test_without_msgspec_the_workers_read_the_dict_ways(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """msgspec is a speed-up: a worker without it has no typed path, and reads the same."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    path = tmp_path / "q.jsonl"
    _generate().generate(path, findings=2000, outlets=20, shuffle=True)
    with_typed = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=20_000)
    monkeypatch.setitem(__import__("sys").modules, "msgspec", None)  # import msgspec: ImportError
    _parallel._start(compiled)
    assert _parallel._worker is not None and _parallel._worker.typed is None
    without = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=20_000)
    assert without == with_typed


def test_a_colon_in_a_value_keeps_a_line_in_the_worker_and_a_repeated_key_does_not(tmp_path: Path) -> None:
    """A note with a time in it ("9:50") has more colons than the line has keys: the worker looks
    properly and keeps the line (before, the parent read it again, as it reads an odd line); a
    key given twice, its colons as many, goes to the parent, which rejects it."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    _worker_of(compiled)
    lines = [
        '{"type":"outlet","outlet":"HJ-001","county":"河间"}'.encode(),
        '{"type":"finding","id":"F-1","outlet":"HJ-001","date":"2026-07-01","article":25,"note":"9:50 才开门"}'.encode(),
        b'{"type":"finding","id":"F-2","outlet":"HJ-001","date":"2026-07-01","article":25,"note":"a:b","note":"c"}',
    ]
    path = tmp_path / "colons.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    count, kept, items = marshal.loads(_parallel._check_range(str(path), 0, path.stat().st_size, True))
    assert count == 3
    assert [k[0] for k in kept] == ["F-1"] and kept[0][10] == "9:50 才开门"
    assert [item[0] for item in items if len(item) == 2] == [1, 3]  # the outlet line and the repeated key: raw
    facts = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=64)
    assert facts == sr.ingest(compiled, [path])
    assert [r.line for r in facts.rejected] == [3]
