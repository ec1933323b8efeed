"""The streamed scorecards' bytes (``Accountant.card_bytes``: each deduction written from its
shape's memoised bytes) are exactly ``orjson.dumps`` of the card's JSON data made the general way
(``Accountant.card``), and that of the typed card (``scorecards()``): on every bundled example and
every pack-test case in the repository, and on generated observations with hostile texts."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from _bench import bench_module
from service_rules._appeals import standing
from service_rules._cardbytes import _strings
from service_rules._compiler import CompiledPack
from service_rules._ingest import Records, ingest
from service_rules._loader import parse_toml
from service_rules._periods import period_key
from service_rules._results import dump
from service_rules._scoring import Accountant, card_keys, scorecards
from service_rules._store import Facts, Observation

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PACKS = {
    "cangzhou": "cangzhou",
    "generic": "generic",
    "monthly-example": str(EXAMPLES / "monthly"),
    "cangzhou-amended": str(EXAMPLES / "cangzhou-amended"),
    "halfyear": str(ROOT / "tests" / "packs" / "halfyear"),
    "monthly": str(ROOT / "tests" / "packs" / "monthly"),
}
INPUTS = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".jsonl", ".xlsx"))
AS_OF = dt.date(2026, 11, 27)


def _compiled(name: str) -> CompiledPack:
    return sr.compile_pack(sr.load_pack(PACKS[name]))


_COMPILED: dict[str, CompiledPack] = {}


def compiled_pack(name: str) -> CompiledPack:
    if name not in _COMPILED:
        _COMPILED[name] = _compiled(name)
    return _COMPILED[name]


def assert_same_cards(compiled: CompiledPack, facts: Facts, period: str | None = None) -> tuple[int, int]:
    """Every card's fast bytes against the general path and the typed path; returns how many
    cards the fast path made itself (not handed to ``card()``), and how many there are."""
    fast = Accountant(compiled, facts)
    general = Accountant(compiled, facts)
    typed = scorecards(compiled, facts, period)
    keys = card_keys(facts, period)
    assert len(typed) == len(keys)
    made = 0
    for (outlet, period_), card in zip(keys, typed, strict=True):
        got = fast.card_bytes(outlet, period_)
        assert got == orjson.dumps(general.card(outlet, period_).json())
        assert got == orjson.dumps(dump(card))
        if fast._by_version is None and not fast._has_caps and fast._fast_card(outlet, period_) is not None:
            made += 1
    return made, len(keys)


def _pack_cases() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, where in PACKS.items():
        folder = Path(where) if Path(where).is_dir() else ROOT / "src" / "service_rules" / "policies" / where
        for path in sorted((folder / "tests").glob("*.toml")):
            data = parse_toml(path.read_bytes(), path.name, [])
            assert data is not None
            for i, case in enumerate(data.get("cases", [])):
                yield name, f"{path.name}[{i}]", case


CASES = list(_pack_cases())


@pytest.mark.parametrize("pack", sorted(PACKS))
@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_every_example_input_under_every_pack(pack: str, path: Path) -> None:
    compiled = compiled_pack(pack)
    facts = standing(ingest(compiled, [str(path)]), AS_OF)
    periods = sorted({p for _, p in card_keys(facts, None)})
    made, _ = assert_same_cards(compiled, facts)
    for period in periods[:2]:
        assert_same_cards(compiled, facts, period)
    if pack in ("cangzhou", "monthly-example") and path.name.startswith(pack.split("-")[0]):
        assert made > 0  # the fast path did the work (it is not always handed to card())


@pytest.mark.parametrize(("pack", "where", "case"), CASES, ids=[f"{p}:{w}" for p, w, _ in CASES])
def test_every_pack_test_case(pack: str, where: str, case: dict[str, Any]) -> None:
    compiled = compiled_pack(pack)
    as_of = case.get("as_of", "2026-11-27")
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    facts = standing(ingest(compiled, [Records(case.get("records", []), name=where)]), day)
    assert_same_cards(compiled, facts, case.get("period"))


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_the_stream_is_to_json_for_every_example(pack: str) -> None:
    compiled = compiled_pack(pack)
    for path in INPUTS:
        out = io.BytesIO()
        sr.score_to_stream(compiled, [str(path)], out, as_of=AS_OF)
        assert out.getvalue() == sr.score(compiled, [str(path)], as_of=AS_OF).to_json() + b"\n"


@pytest.mark.parametrize("piece", [1, 3, 7, 64])
def test_a_card_written_in_pieces_is_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    """A large card's deductions are joined a few thousand at a time (the pieces written one after
    the other); with pieces of 1 to 64 deductions every card of a generated quarter is the same
    bytes as one join, the general path and the typed path."""
    from service_rules import _cardbytes

    monkeypatch.setattr(_cardbytes, "_BODY", piece)
    path = tmp_path / "quarter.jsonl"
    bench_module("generate").generate(path, findings=1500, outlets=6, shuffle=True)
    compiled = compiled_pack("cangzhou")
    facts = standing(ingest(compiled, [str(path)]), AS_OF)
    made, cards = assert_same_cards(compiled, facts)
    assert made == cards
    outlet, period = card_keys(facts, None)[0]
    assert len(Accountant(compiled, facts).card_parts(outlet, period)) > 2 + 100 // piece  # it was cut


@pytest.mark.parametrize("shuffle", [False, True])
def test_a_generated_quarter_with_large_cards(tmp_path: Path, shuffle: bool) -> None:
    """benchmarks/generate.py's quarter (notes, employees, complaints, spoiled lines), some 300
    observations a card, in file order and shuffled: every card made by the fast path, and equal."""
    generate = bench_module("generate")
    path = tmp_path / "quarter.jsonl"
    generate.generate(path, findings=3000, outlets=10, shuffle=shuffle)
    compiled = compiled_pack("cangzhou")
    facts = standing(ingest(compiled, [str(path)]), AS_OF)
    made, cards = assert_same_cards(compiled, facts)
    assert made == cards and max(len(v) for v in facts.observations.values()) > 200


# ---- generated observations --------------------------------------------------------------------

#: Texts an output must escape or pass through exactly: quotes, backslashes, control characters
#: (U+0000–U+001F, U+007F), line and paragraph separators, non-BMP characters, the holes' own text.
_HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(['"', "\\", "\x00", "\x01", "\n", "\t", "\x1f", "\x7f", "\u2028", "\u2029", "/", ",", "]"]),
        st.sampled_from(["😀", "𠀀", "\U0010ffff", "条", "é", "\ufeff", '","', '"],["', "\x00id\x01", "\x00note\x01"]),
        st.characters(codec="utf-8"),
    ),
    max_size=12,
).map("".join)
_TEXTS = st.one_of(_HOSTILE, st.builds(lambda s, n: s * n, _HOSTILE.filter(bool), st.integers(50, 400)))
_DATES = st.dates(dt.date(2026, 7, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)


def _shapes(compiled: CompiledPack) -> list[tuple[str, int | None, str | None]]:
    """(rule, article, tag) the pack decides, from its articles and rules (tags of the article)."""
    shapes: list[tuple[str, int | None, str | None]] = []
    for rid, r in sorted(compiled.rules.items()):
        article = r.rule.article
        if article is not None and article in compiled.articles:
            tags = [None, *sorted(compiled.articles[article].tags)]
            shapes.extend((rid, article, t) for t in tags)
        else:
            shapes.append((rid, article, None))
    return shapes


@st.composite
def _observations(draw: st.DrawFn, compiled: CompiledPack) -> tuple[Observation, ...]:
    shapes = _shapes(compiled)
    n = draw(st.integers(0, 25))
    ids = draw(
        st.lists(
            _HOSTILE.filter(bool) | st.sampled_from(["a", "b", "F1", "F10", "F2"]), min_size=n, max_size=n, unique=True
        )
    )
    out = []
    for oid in ids:
        rule, article, tag = draw(st.sampled_from(shapes))
        if draw(st.integers(0, 9)) == 0:  # a tag no article has (shown as it is), hostile too
            tag = draw(_HOSTILE)
        date = draw(_DATES)
        out.append(
            Observation(
                id=oid,
                outlet="O",
                period=period_key(date, compiled.pack.meta.period),
                date=date,
                rule=rule,
                article=article,
                points=draw(st.integers(0, 12)),
                persons=draw(st.none() | st.integers(1, 5)),
                tag=tag,
                employees=draw(st.none() | st.lists(_TEXTS, max_size=3).map(tuple)),
                note=draw(st.none() | _TEXTS),
            )
        )
    return tuple(out)


def _facts_with(compiled: CompiledPack, observations: tuple[Observation, ...]) -> Facts:
    """The facts of an empty input with ``observations`` in them (as ingest would index them)."""
    base = ingest(compiled, [Records([], name="none")])
    by_card: dict[tuple[str, str], list[Observation]] = {}
    for o in observations:
        by_card.setdefault((o.outlet, o.period), []).append(o)
    return attrs.evolve(
        base,
        observations={k: tuple(v) for k, v in by_card.items()},
        present=frozenset(by_card),
    )


@pytest.mark.parametrize("pack", ["cangzhou", "generic", "monthly-example"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_observations(pack: str, data: st.DataObject) -> None:
    compiled = compiled_pack(pack)
    observations = data.draw(_observations(compiled))
    facts = _facts_with(compiled, observations)
    made, cards = assert_same_cards(compiled, facts)
    if pack != "generic" and not any("\x00" in (o.tag or "") for o in observations):
        assert made == cards  # no caps, no appeal, no tag holding a hole: every card is fast


def test_strings_are_cut_only_where_orjson_separated_them() -> None:
    """A string ending in an escaped quote and a comma looks like a separator (found by the
    test above): with a backslash in the output each string is encoded alone."""
    values = ['",', "a", "\\", '"', "", "条😀", "\x00"]
    assert _strings(values) == [orjson.dumps(v)[1:-1] for v in values]
    assert _strings(["a", "b"]) == [b"a", b"b"] and _strings([]) == [] and _strings([""]) == [b""]


def test_a_tag_holding_a_hole_takes_the_general_path() -> None:
    compiled = compiled_pack("cangzhou")
    rule, article, _ = next(s for s in _shapes(compiled) if s[1] is not None)
    obs = Observation(
        id="F1", outlet="O", period="2026Q3", date="2026-07-01", rule=rule, article=article, points=1, tag="\x00id\x01"
    )
    facts = _facts_with(compiled, (obs,))
    assert Accountant(compiled, facts)._fast_card("O", "2026Q3") is None
    assert assert_same_cards(compiled, facts) == (0, 1)


def test_past_the_kept_shapes_cards_take_the_general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hostile input (a finding per distinct persons count) would keep a kilobyte of pieces per
    shape; past ``_MAX_SHAPES`` a card is written the general way, the same bytes."""
    from service_rules import _cardbytes, _scoring

    monkeypatch.setattr(_cardbytes, "_MAX_SHAPES", 3)
    compiled = compiled_pack("cangzhou")
    for path in INPUTS:
        out = io.BytesIO()
        sr.score_to_stream(compiled, [str(path)], out, as_of=AS_OF)
        assert out.getvalue() == sr.score(compiled, [str(path)], as_of=AS_OF).to_json() + b"\n"
    facts = sr.ingest(compiled, [str(EXAMPLES / "cangzhou-2026q3.jsonl")])
    accountant = _scoring.Accountant(compiled, facts)
    for o, p in _scoring.card_keys(facts, None):
        accountant.card_parts(o, p)
    kept = [shape for shape in accountant._shapes.values() if shape is not _cardbytes._SLOW]
    assert len(kept) <= 3 < len(accountant._shapes)  # the bound bit: the rest went the general way
