"""Check that peers give exactly the library's section scores and totals, outlet by outlet.

    service-rules score --pack cangzhou FILE.jsonl > score.json
    python benchmarks/peer_loop.py FILE.jsonl > loop.csv
    python benchmarks/peer_writer.py FILE.jsonl > writer.jsonl
    python benchmarks/check_peers.py score.json loop.csv [duckdb.csv polars.csv writer.jsonl ...]

Each peer's CSV (``outlet,period,total,s3,s4,s5,s6,s7,s8``, as benchmarks/peer_loop.py,
peer_duckdb.py and peer_polars.py write it) must hold one row for every scorecard of the score
JSON, no other row, and in each row the same total and the same score in every section. A peer's
JSON Lines (``.jsonl``, as benchmarks/peer_writer.py writes it) must hold one line for every
scorecard with a deduction, no other, and in each the library's deductions in the library's
order, equal in every field it writes (rule, article, section, points, observations, reason,
note, date). Prints one line per peer; exits 0 when all agree, 1 when one differs (the first
differences are shown), 2 on a usage error.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import orjson

Card = tuple[int, tuple[int, ...]]
#: The fields of a deduction that benchmarks/peer_writer.py writes, as the library writes them.
DEDUCTION_FIELDS = ("rule", "article", "section", "points", "observations", "reason", "note", "date")
Deductions = list[tuple[Any, ...]]


def _score_doc(score_json: str | Path | dict[str, Any]) -> dict[str, Any]:
    """``service-rules score`` JSON from its file, or as already read (main reads a 400 MB file once)."""
    return score_json if isinstance(score_json, dict) else orjson.loads(Path(score_json).read_bytes())


def library_cards(score_json: str | Path | dict[str, Any]) -> dict[tuple[str, str], Card]:
    """(outlet, period) -> (total, section scores in section order) from ``service-rules score`` JSON."""
    doc = _score_doc(score_json)
    cards: dict[tuple[str, str], Card] = {}
    for c in doc["scorecards"]:
        sections = sorted(c["sections"], key=lambda s: s["number"])
        if [s["number"] for s in sections] != [3, 4, 5, 6, 7, 8]:
            raise ValueError(f"scorecard {c['outlet']} {c['period']}: sections {[s['number'] for s in sections]}, not 3-8")
        cards[(c["outlet"], c["period"])] = (c["total"], tuple(s["score"] for s in sections))
    return cards


def peer_cards(peer_csv: str | Path) -> dict[tuple[str, str], Card]:
    """The same from a peer's CSV."""
    cards: dict[tuple[str, str], Card] = {}
    with open(peer_csv, encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header != ["outlet", "period", "total", "s3", "s4", "s5", "s6", "s7", "s8"]:
            raise ValueError(f"{peer_csv}: unexpected header {header}")
        for row in rows:
            key = (row[0], row[1])
            if key in cards:
                raise ValueError(f"{peer_csv}: {key} twice")
            cards[key] = (int(row[2]), tuple(int(x) for x in row[3:]))
    return cards


def compare(library: dict[tuple[str, str], Card], peer: dict[tuple[str, str], Card]) -> list[str]:
    """Every difference, one line each (empty when the peer agrees exactly)."""
    problems = [f"{k[0]} {k[1]}: no row in the peer" for k in sorted(library.keys() - peer.keys())]
    problems += [f"{k[0]} {k[1]}: a row the library has no scorecard for" for k in sorted(peer.keys() - library.keys())]
    for k in sorted(library.keys() & peer.keys()):
        if library[k] != peer[k]:
            problems.append(f"{k[0]} {k[1]}: library total {library[k][0]} sections {list(library[k][1])}, "
                            f"peer total {peer[k][0]} sections {list(peer[k][1])}")
    return problems


def library_deductions(score_json: str | Path | dict[str, Any]) -> dict[tuple[str, str], Deductions]:
    """(outlet, period) -> its deductions (DEDUCTION_FIELDS, in order) for every scorecard with one."""
    doc = _score_doc(score_json)
    cards: dict[tuple[str, str], Deductions] = {}
    for c in doc["scorecards"]:
        key = (c["outlet"], c["period"])
        if key in cards:
            raise ValueError(f"the score JSON: scorecard {key} twice")
        if c["deductions"]:
            cards[key] = [_fields(d) for d in c["deductions"]]
    return cards


def peer_deductions(peer_jsonl: str | Path) -> dict[tuple[str, str], Deductions]:
    """The same from a peer's JSON Lines."""
    cards: dict[tuple[str, str], Deductions] = {}
    before: tuple[str, str] | None = None
    with open(peer_jsonl, "rb") as f:
        for number, line in enumerate(f, 1):
            c = orjson.loads(line)
            if type(c) is not dict or set(c) != {"outlet", "period", "deductions"} or type(c["deductions"]) is not list:
                raise ValueError(f"{peer_jsonl}:{number}: not an object of outlet, period and deductions")
            key = (c["outlet"], c["period"])
            if key in cards:
                raise ValueError(f"{peer_jsonl}:{number}: {key} twice")
            if before is not None and (key[1], key[0]) < (before[1], before[0]):
                raise ValueError(f"{peer_jsonl}:{number}: {key} after {before} (not sorted by quarter, then outlet)")
            before = key
            cards[key] = [_fields(d, exact=True) for d in c["deductions"]]
    return cards


def _typed(v: Any) -> Any:
    """A JSON value with the type of every part (1 and 1.0, or 1 and True, are not the same here)."""
    if type(v) is list:
        return ("list", tuple(map(_typed, v)))
    return (type(v).__name__, v)


def _fields(d: Any, exact: bool = False) -> tuple[Any, ...]:
    """DEDUCTION_FIELDS of a deduction, typed; ``exact`` (a peer's): a field missing or one more is
    part of it, so it differs from every library deduction."""
    if type(d) is not dict:
        return (("not an object", _typed(d)),)
    fields = tuple(_typed(d[f]) if f in d else ("missing", f) for f in DEDUCTION_FIELDS)
    extra = sorted(set(d) - set(DEDUCTION_FIELDS)) if exact else []
    return (*fields, ("extra", tuple(extra))) if extra else fields


def compare_deductions(library: dict[tuple[str, str], Deductions], peer: dict[tuple[str, str], Deductions]) -> list[str]:
    """Every scorecard whose deductions differ, one line each (empty when the peer agrees exactly)."""
    problems = [f"{k[0]} {k[1]}: no line in the peer" for k in sorted(library.keys() - peer.keys())]
    problems += [f"{k[0]} {k[1]}: a line the library has no deduction for" for k in sorted(peer.keys() - library.keys())]
    for k in sorted(library.keys() & peer.keys()):
        a, b = library[k], peer[k]
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            problems.append(f"{k[0]} {k[1]}: {len(a)} deductions in the library, {len(b)} in the peer; first difference at {at}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    doc = _score_doc(args[0])
    library = library_cards(doc)
    listed = library_deductions(doc) if any(p.endswith(".jsonl") for p in args[1:]) else {}
    del doc
    failed = False
    for path in args[1:]:
        if path.endswith(".jsonl"):
            problems, of, same = compare_deductions(listed, peer_deductions(path)), len(listed), "deductions, field by field,"
        else:
            problems, of, same = compare(library, peer_cards(path)), len(library), "totals and section scores"
        if problems:
            failed = True
            print(f"{path}: {len(problems)} of {of} scorecards differ")
            for line in problems[:10]:
                print(f"  {line}")
        else:
            print(f"{path}: identical {same} for all {of} scorecards")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
