"""Check that peers give exactly the library's section scores and totals, outlet by outlet.

    service-rules score --pack cangzhou FILE.jsonl > score.json
    python benchmarks/peer_loop.py FILE.jsonl > loop.csv
    python benchmarks/check_peers.py score.json loop.csv [duckdb.csv polars.csv ...]

Each peer's CSV (``outlet,period,total,s3,s4,s5,s6,s7,s8``, as benchmarks/peer_loop.py,
peer_duckdb.py and peer_polars.py write it) must hold one row for every scorecard of the score
JSON, no other row, and in each row the same total and the same score in every section. Prints
one line per peer; exits 0 when all agree, 1 when one differs (the first differences are shown),
2 on a usage error.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import orjson

Card = tuple[int, tuple[int, ...]]


def library_cards(score_json: str | Path) -> dict[tuple[str, str], Card]:
    """(outlet, period) -> (total, section scores in section order) from ``service-rules score`` JSON."""
    doc: dict[str, Any] = orjson.loads(Path(score_json).read_bytes())
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


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    library = library_cards(args[0])
    failed = False
    for path in args[1:]:
        problems = compare(library, peer_cards(path))
        if problems:
            failed = True
            print(f"{path}: {len(problems)} of {len(library)} scorecards differ")
            for line in problems[:10]:
                print(f"  {line}")
        else:
            print(f"{path}: identical totals and section scores for all {len(library)} scorecards")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
