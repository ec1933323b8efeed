"""The engine's data-losing limits (docs/engine.md) cannot be reached through service_rules.

Each test first shows that naive use of durable_rules loses data in the situation, so the
test is not vacuous, then that scoring through the library loses nothing.
"""

from __future__ import annotations

import itertools

import pytest

import service_rules as sr
from _variants import cangzhou_with_v18, questions_to

durable = pytest.importorskip("durable.engine", reason="durable_rules cannot be imported on this Python")
from service_rules._engine import QuietHost  # noqa: E402


def fnv1a_32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def colliding_ids(prefix: str) -> tuple[str, str]:
    """Two different ids with the same 32-bit FNV-1a hash (a birthday search, ~80k tries)."""
    seen: dict[int, str] = {}
    for i in itertools.count():
        candidate = f"{prefix}{i}"
        h = fnv1a_32(candidate)
        if h in seen:
            return seen[h], candidate
        seen[h] = candidate
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def pair() -> tuple[str, str]:
    return colliding_ids("f-")


@pytest.fixture(scope="module")
def cangzhou() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack("cangzhou"))


def finding(fid: str, outlet: str, article: int = 18, points: int = 2) -> dict[str, object]:
    return {"type": "finding", "id": fid, "outlet": outlet, "date": "2026-08-01", "article": article, "points": points}


def test_naive_use_merges_colliding_ids(pair: tuple[str, str]) -> None:
    """Asserting observations under their own ids into one session rejects the second of a colliding pair."""
    a, b = pair
    assert a != b and fnv1a_32(a) == fnv1a_32(b)
    host = QuietHost()
    fired: list[str] = []

    def action(c: object) -> None:
        fired.append("x")

    host.register_rulesets({"naive_collision": {"r": {"all": [{"m": {"type": "finding"}}], "run": action}}})
    host.assert_fact("naive_collision", {"id": a, "sid": "1", "type": "finding"})
    with pytest.raises(durable.MessageObservedException):
        host.assert_fact("naive_collision", {"id": b, "sid": "1", "type": "finding"})
    assert fired == ["x"]  # one observation lost


@pytest.mark.parametrize("reuse", [True, False])
def test_colliding_ids_are_both_scored(cangzhou: sr.CompiledPack, pair: tuple[str, str], reuse: bool) -> None:
    a, b = pair
    records = [finding(a, "HJ-01"), finding(b, "HJ-01"), finding(a + "x", "HJ-02")]
    result = sr.score(cangzhou, [sr.Records(records)], as_of="2026-11-27", reuse_matches=reuse)
    assert not result.rejected
    card = next(c for c in result.scorecards if c.outlet == "HJ-01")
    assert sorted(o for d in card.deductions for o in d.observations) == sorted([a, b])
    assert card.sections[1].deducted == 4  # section 四: 2 + 2


def test_more_outlets_than_sessions_per_ruleset(cangzhou: sr.CompiledPack) -> None:
    """1,500 outlets (the engine allows 1,024 live sessions a ruleset); every observation goes through durable_rules."""
    outlets = [f"O{i:04d}" for i in range(1500)]
    records = [finding(f"f{i}", o, article=40 if i % 2 else 18, points=1) for i, o in enumerate(outlets)]
    for i, r in enumerate(records):
        if i % 2:
            del r["points"]
    result = sr.score(cangzhou, [sr.Records(records)], as_of="2026-11-27", reuse_matches=False)
    assert not result.rejected
    assert [c.outlet for c in result.scorecards] == outlets
    for i, card in enumerate(result.scorecards):
        assert [d.observations for d in card.deductions] == [(f"f{i}",)]
        assert card.total == (95 if i % 2 else 99)  # 八: 5 per person-time; 四: graded 1


def test_many_observations_per_outlet_with_collisions(cangzhou: sr.CompiledPack, pair: tuple[str, str]) -> None:
    """20,000 findings in one outlet, every one asked of durable_rules, a colliding id pair among them."""
    a, b = pair
    ids = [f"g{i}" for i in range(19_998)] + [a, b]
    records = [finding(fid, "BIG", article=18, points=1) for fid in ids]
    result = sr.score(cangzhou, [sr.Records(records)], as_of="2026-11-27", reuse_matches=False)
    assert result.inputs[0].accepted == 20_000 and not result.rejected
    (card,) = result.scorecards
    assert len(card.deductions) == 20_000
    assert card.sections[1].deducted == 20_000 and card.sections[1].score == 15 - 20_000


def test_same_pack_twice_and_two_packs_in_one_process(cangzhou: sr.CompiledPack, tmp_path) -> None:
    """Each compiled pack registers its own ruleset; results do not depend on which copy scores."""
    again = sr.compile_pack(sr.load_pack("cangzhou"))
    assert again.matcher.ruleset_name != cangzhou.matcher.ruleset_name  # type: ignore[attr-defined]
    # A second, different pack: Cangzhou with article 18 deducting a fixed 2 points.
    folder = cangzhou_with_v18(tmp_path, '{ type = "finding", article = 18 }')
    variant = sr.compile_pack(sr.load_pack(folder))
    records = [finding("f1", "HJ-01", article=18, points=3)]
    r1 = sr.score(cangzhou, [sr.Records(records)], as_of="2026-11-27")
    r2 = sr.score(again, [sr.Records(records)], as_of="2026-11-27")
    r3 = sr.score(variant, [sr.Records(records)], as_of="2026-11-27")
    assert r1.scorecards == r2.scorecards
    assert r1.scorecards[0].deductions[0].rule == "cz-4-item"
    assert r3.scorecards[0].deductions[0].rule == "v-18"
    assert r3.scorecards[0].total == r1.scorecards[0].total == 97


def test_python_and_durable_matchers_decide_alike_on_every_cangzhou_shape(cangzhou: sr.CompiledPack) -> None:
    """Compiling checks every enumerable shape against the reference (an EngineError otherwise);
    through the public surface, both matchers give the same result on the example and on each
    article's findings."""
    python = sr.compile_pack(sr.load_pack("cangzhou"), matcher="python")
    assert cangzhou.matcher.name == "durable_rules" and python.matcher.name == "python"
    example = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "cangzhou-2026q3.jsonl")
    a = sr.score(cangzhou, [example], as_of="2026-11-27").to_dict()
    b = sr.score(python, [example], as_of="2026-11-27").to_dict()
    a["pack"]["matcher"] = b["pack"]["matcher"] = "-"
    assert a == b
    records = [finding(f"f{n}", "A", article=n) for n in range(1, 45)]
    for r in records:
        r.pop("points")
    x, y = (sr.score(p, [sr.Records(records)], as_of="2026-11-27") for p in (cangzhou, python))
    assert x.scorecards == y.scorecards and x.rejected == y.rejected


def test_public_names_are_exactly_all() -> None:
    """Everything public is re-exported through a sorted __all__ (the stable surface); a name
    whose module is imported when first asked for is listed by dir() and resolves like the rest."""
    import types

    public = {n for n in dir(sr) if not n.startswith("_") and not isinstance(getattr(sr, n), types.ModuleType)}
    assert sorted(sr.__all__) == sr.__all__
    assert public == set(sr.__all__) - {"__version__"}
    # each public name is imported when first asked for: its module is known, and no other name is
    assert set(sr._LATER) == set(sr.__all__) - {"__version__"}


def test_every_observation_is_asked_once_without_reuse(cangzhou: sr.CompiledPack) -> None:
    """With reuse_matches=False durable_rules sees each observation exactly once (its rule, its
    ladders and its exclusions are one question), and the result is the same as with reuse."""
    pack = sr.compile_pack(sr.load_pack("cangzhou"))
    asked = questions_to(pack)
    records = [finding(f"f{i}", "A", article=41) for i in range(5)] + [
        {"type": "complaint", "id": "c1", "outlet": "A", "date": "2026-08-01", "channel": "phone", "verified": True}
    ]
    for r in records[:5]:
        del r["points"]
    every = sr.score(pack, [sr.Records(records)], as_of="2026-11-27", reuse_matches=False)
    assert len([s for s in asked if s["type"] in ("finding", "complaint")]) == 6
    reused = sr.score(cangzhou, [sr.Records(records)], as_of="2026-11-27")
    assert every.scorecards == reused.scorecards
