"""The peers in benchmarks/ give exactly the library's totals (the writer: its deductions), and the
checker sees when one does not.

Small generated quarters (sorted, shuffled, skewed); the hand-written loop and writer always, the
DuckDB and Polars peers only where those are installed (the ``bench`` extra). No timing here.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

import service_rules as sr
from _bench import bench_module


def _module(name: str) -> ModuleType:
    return bench_module(name)


generate = _module("generate")
peer_loop = _module("peer_loop")
check_peers = _module("check_peers")
peer_writer = _module("peer_writer")


@pytest.fixture(scope="module", params=["sorted", "shuffled", "skewed"])
def quarter(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small quarter (with its bad lines) and the library's JSON for it."""
    folder = tmp_path_factory.mktemp(request.param)
    data = folder / "q.jsonl"
    generate.generate(data, findings=3000, outlets=120, shuffle=request.param == "shuffled",
                      skew=0.8 if request.param == "skewed" else None)
    score_json = folder / "score.json"
    score_json.write_bytes(sr.score("cangzhou", [data], as_of="2026-11-27").to_json())
    return data, score_json


def _loop_csv(data: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert peer_loop.main([str(data)]) == 0
    out.write_text(capsys.readouterr().out, encoding="utf-8")
    return out


def test_the_loop_gives_the_library_totals(quarter: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, score_json = quarter
    library = check_peers.library_cards(score_json)
    assert len(library) == 120
    assert any(total < 100 for total, _ in library.values())  # something was deducted
    peer = check_peers.peer_cards(_loop_csv(data, tmp_path / "loop.csv", capsys))
    assert check_peers.compare(library, peer) == []
    assert check_peers.main([str(score_json), str(tmp_path / "loop.csv")]) == 0


def test_the_checker_sees_a_changed_score_and_a_missing_or_extra_row(
    quarter: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, score_json = quarter
    rows = _loop_csv(data, tmp_path / "loop.csv", capsys).read_text(encoding="utf-8").splitlines()
    header, first, *rest = rows
    outlet, period, total, *scores = first.split(",")
    changed = ",".join([outlet, period, str(int(total) - 1), str(int(scores[0]) - 1), *scores[1:]])
    cases = {
        "changed": [header, changed, *rest],
        "missing": [header, *rest],
        "extra": [header, first, *rest, "XX-999,2026Q3,100,15,15,20,20,15,15"],
    }
    library = check_peers.library_cards(score_json)
    for name, lines in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        problems = check_peers.compare(library, check_peers.peer_cards(path))
        assert len(problems) == 1, (name, problems)
        assert outlet in problems[0] or "XX-999" in problems[0]
        assert check_peers.main([str(score_json), str(path)]) == 1
    capsys.readouterr()


def test_the_checker_types_every_part_of_a_value() -> None:
    typed = check_peers._typed
    assert typed([1]) != typed([1.0]) and typed([1]) != typed([True]) and typed([[1]]) != typed([[1.0]])
    assert typed(["a", None]) == typed(["a", None])
    assert check_peers._fields({"points": 1}) != check_peers._fields({"points": 1.0})


def test_a_section_score_alone_differing_is_seen(tmp_path: Path) -> None:
    library = {("HJ-001", "2026Q3"): (97, (15, 15, 17, 20, 15, 15))}
    moved = {("HJ-001", "2026Q3"): (97, (15, 14, 18, 20, 15, 15))}  # same total, a point in another section
    assert len(check_peers.compare(library, moved)) == 1
    assert check_peers.compare(library, dict(library)) == []


def _writer_jsonl(data: Path, out: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> Path:
    assert peer_writer.main([str(data)]) == 0
    out.write_bytes(capsysbinary.readouterr().out)
    return out


def test_the_writer_gives_the_library_deductions_field_by_field(
    quarter: tuple[Path, Path], tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    data, score_json = quarter
    library = check_peers.library_deductions(score_json)
    listed = [d for ds in library.values() for d in ds]
    assert len(listed) > 2000  # the quarter's findings, less its bad lines and unverified complaints
    fields = check_peers.DEDUCTION_FIELDS
    assert {d[fields.index("rule")][1] for d in listed} >= {"cz-5-tone", "cz-5-complaint", "cz-8-person"}
    assert any(d[fields.index("note")][1] is not None for d in listed)
    out = _writer_jsonl(data, tmp_path / "writer.jsonl", capsysbinary)
    assert check_peers.compare_deductions(library, check_peers.peer_deductions(out)) == []
    assert check_peers.main([str(score_json), str(out)]) == 0


def test_the_tuned_and_parallel_writers_write_the_same_bytes(
    quarter: tuple[Path, Path], tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    data, _ = quarter
    plain = _writer_jsonl(data, tmp_path / "writer.jsonl", capsysbinary).read_bytes()
    assert peer_writer.main(["--bytes", str(data)]) == 0
    assert capsysbinary.readouterr().out == plain
    assert peer_writer.main(["--bytes", "--workers", "2", str(data)]) == 0  # 8 ranges, each card's in line order
    assert capsysbinary.readouterr().out == plain
    assert peer_writer.main(["--workers", "3", str(data)]) == 0
    assert capsysbinary.readouterr().out == plain
    assert peer_writer.main(["--bytes", "--shards", "2", str(data)]) == 0  # by outlet
    assert capsysbinary.readouterr().out == plain
    assert peer_writer.main(["--shards", "3", str(data)]) == 0
    assert capsysbinary.readouterr().out == plain


def test_the_checker_sees_a_changed_reason_an_order_a_missing_card_and_a_type(
    quarter: tuple[Path, Path], tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    import orjson

    data, score_json = quarter
    lines = _writer_jsonl(data, tmp_path / "writer.jsonl", capsysbinary).read_bytes().splitlines()
    first, *rest = lines
    card = orjson.loads(first)
    many = next(orjson.loads(line) for line in rest if len(orjson.loads(line)["deductions"]) > 1)
    rest = [line for line in rest if orjson.loads(line)["outlet"] != many["outlet"]]

    def changed(c: dict, **fields: object) -> dict:
        return {**c, "deductions": [{**c["deductions"][0], **fields}, *c["deductions"][1:]]}

    swapped = {**many, "deductions": many["deductions"][::-1]}
    cases = {
        "reason": [changed(card, reason=card["deductions"][0]["reason"] + "。"), many],
        "points as a float": [changed(card, points=float(card["deductions"][0]["points"])), many],
        "order": [card, swapped],
        "a field more": [changed(card, amount=None), many],
        "a field less": [{**card, "deductions": [
            {k: v for k, v in card["deductions"][0].items() if k != "note"}, *card["deductions"][1:]]}, many],
        "missing": [many],
        "extra": [card, many, {"outlet": "XX-999", "period": card["period"], "deductions": card["deductions"]}],
    }
    library = check_peers.library_deductions(score_json)
    for name, cards in cases.items():
        path = tmp_path / f"{name}.jsonl"
        lines = sorted([*map(orjson.dumps, cards), *rest], key=lambda x: (orjson.loads(x)["period"], orjson.loads(x)["outlet"]))
        path.write_bytes(b"\n".join(lines) + b"\n")
        problems = check_peers.compare_deductions(library, check_peers.peer_deductions(path))
        assert len(problems) == 1, (name, problems)
        assert check_peers.main([str(score_json), str(path)]) == 1
    capsysbinary.readouterr()
    unsorted = tmp_path / "unsorted.jsonl"
    unsorted.write_bytes(b"\n".join([*rest[:2][::-1], first]) + b"\n")
    with pytest.raises(ValueError, match="not sorted"):
        check_peers.peer_deductions(unsorted)
    twice = tmp_path / "twice.jsonl"
    twice.write_bytes(b"\n".join([first, first]) + b"\n")
    with pytest.raises(ValueError, match="twice"):
        check_peers.peer_deductions(twice)


@pytest.mark.parametrize("name", ["peer_duckdb", "peer_polars"])
def test_the_columnar_peers_give_the_library_totals(
    name: str, quarter: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip(name.removeprefix("peer_"))
    data, score_json = quarter
    assert _module(name).main([str(data)]) == 0
    out = tmp_path / f"{name}.csv"
    out.write_text(capsys.readouterr().out, encoding="utf-8")
    assert check_peers.compare(check_peers.library_cards(score_json), check_peers.peer_cards(out)) == []


def test_shuffle_keeps_the_lines_and_skew_concentrates_the_findings(tmp_path: Path) -> None:
    plain, shuffled, skewed = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    m1 = generate.generate(plain, findings=2000, outlets=100)
    m2 = generate.generate(shuffled, findings=2000, outlets=100, shuffle=True)
    m3 = generate.generate(skewed, findings=2000, outlets=100, skew=0.8)
    a, b = plain.read_bytes().splitlines(), shuffled.read_bytes().splitlines()
    assert a != b and sorted(a) == sorted(b)
    assert (m1["order"], m2["order"]) == ("by outlet", "shuffled")
    assert m1["kinds"] == m2["kinds"]
    assert m3["top_1pct_outlets_findings"] == 1600  # 1 outlet of 100 holds 80% of 2,000
    assert m1["top_1pct_outlets_findings"] < 200
    again = tmp_path / "d.jsonl"
    generate.generate(again, findings=2000, outlets=100, shuffle=True)
    assert again.read_bytes() == shuffled.read_bytes()  # seeded
    with pytest.raises(ValueError, match="skew"):
        generate.generate(tmp_path / "e.jsonl", findings=10, outlets=10, skew=1.5)
