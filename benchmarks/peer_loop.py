"""A peer: the loop a data engineer would write by hand for the Cangzhou section totals (orjson).

    python benchmarks/peer_loop.py FILE.jsonl > totals.csv

Not the library: it computes exactly the section scores and the total of every outlet and quarter,
nothing more (no deductions, no reasons, no rejections listed, no oversight). The Cangzhou rules
are written out by hand as one dict, ``(article, tag) -> (section, kind, points)``, with
supersession resolved in the table (article 26 tagged is the per-person tone rule instead of the
3-point item, article 41 ``drunk_on_duty`` 10 per person instead of 5, a verified complaint with a
transferred account 20 points instead of 10).

It checks only what changes a total on benchmarks/generate.py's quarters: the (article, tag) has a
rule (unknown, unscored and textless articles, a typo ``artcle``), graded points are an integer in
range (0 or 4, a typo ``pionts``), the date exists (2026-09-31), the complaint channel is known
(``email``). Everything else the library checks (unknown fields, types, duplicate ids, inspection
references, ...) is skipped: on other input its totals may differ from the library's.

Output: CSV, one row per (outlet, quarter) that has a deduction or a registered outlet in a
quarter that has any, sorted by quarter then outlet:
``outlet,period,total,s3,s4,s5,s6,s7,s8`` (section scores = allotment - points deducted; Cangzhou
has no floors). benchmarks/check_peers.py compares it with ``service-rules score``.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys

import orjson

#: the scored sections, in order, and their allotments
SECTIONS = (3, 4, 5, 6, 7, 8)
ALLOTMENT = (15, 15, 20, 20, 15, 15)
GRADED, FIXED, PER_PERSON = 0, 1, 2
#: (article, tag) -> (index of the section in SECTIONS, kind, points: the fixed amount, per person, or the graded maximum)
RULES: dict[tuple[int, str | None], tuple[int, int, int]] = {}
for _a in (11, 12, 13, 14):
    RULES[(_a, None)] = (0, GRADED, 3)
for _a in (15, 16, 17, 18, 19):
    RULES[(_a, None)] = (1, GRADED, 3)
for _a in (24, 25, 26):
    RULES[(_a, None)] = (2, FIXED, 3)
RULES[(26, "harsh_tone")] = RULES[(26, "forbidden_phrase")] = (2, PER_PERSON, 5)
for _a in (27, 28, 29, 30):
    RULES[(_a, None)] = (3, GRADED, 3)
for _a in (39, 40, 41, 42, 43):
    RULES[(_a, None)] = (5, PER_PERSON, 5)
RULES[(41, "drunk_on_duty")] = (5, PER_PERSON, 10)
CHANNELS = frozenset(("phone", "written"))


def quarter(date: object) -> str | None:
    """``2026Q3`` for an ISO date that exists, else None."""
    if type(date) is not str or len(date) != 10:
        return None
    try:
        d = dt.date.fromisoformat(date)
    except ValueError:
        return None
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


def totals(path: str) -> dict[tuple[str, str], list[int]]:
    """(outlet, quarter) -> points deducted per section (in SECTIONS order)."""
    loads = orjson.loads
    rules_get = RULES.get
    periods: dict[object, str | None] = {}
    deducted: dict[tuple[str, str], list[int]] = {}
    registered: set[str] = set()
    with open(path, "rb") as f:
        for raw in f:
            o = loads(raw)
            t = o.get("type")
            if t == "finding":
                r = rules_get((o.get("article"), o.get("tag")))
                if r is None:
                    continue
                section, kind, points = r
                if kind == GRADED:
                    points = o.get("points")
                    if type(points) is not int or not 1 <= points <= r[2]:
                        continue
                elif kind == PER_PERSON:
                    employees = o.get("employees")
                    points *= len(employees) if employees is not None else o.get("persons") or 1
            elif t == "complaint":
                if o.get("verified") is not True or o.get("channel") not in CHANNELS:
                    continue
                section, points = 2, 20 if o.get("account_transferred") is True else 10
            elif t == "outlet":
                registered.add(o["outlet"])
                continue
            else:
                continue
            date = o.get("date")
            period = periods[date] if date in periods else periods.setdefault(date, quarter(date))
            if period is None:
                continue
            key = (o["outlet"], period)
            row = deducted.get(key)
            if row is None:
                row = deducted[key] = [0, 0, 0, 0, 0, 0]
            row[section] += points
    for period in {p for _, p in deducted}:
        for outlet in registered:
            deducted.setdefault((outlet, period), [0, 0, 0, 0, 0, 0])
    return deducted


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    gc.disable()  # acyclic objects only
    deducted = totals(args[0])
    out = ["outlet,period,total,s3,s4,s5,s6,s7,s8"]
    for outlet, period in sorted(deducted, key=lambda k: (k[1], k[0])):
        scores = [a - d for a, d in zip(ALLOTMENT, deducted[(outlet, period)], strict=True)]
        out.append(f"{outlet},{period},{sum(scores)}," + ",".join(map(str, scores)))
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    if argv is None:
        os._exit(0)  # no teardown of the dicts
    gc.enable()  # called in-process (the tests): the collector back on
    return 0


if __name__ == "__main__":
    sys.exit(main())
