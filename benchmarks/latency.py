"""The latency of one record scored through the API with a compiled pack (issue 13's 0.2 ms target).

    python benchmarks/latency.py [--calls 1000] [--warmup 100] [--rounds 5] [--pack cangzhou] [--json]

The pack is loaded and compiled once; then ``service_rules.score(compiled, [Records([record])],
as_of=...)`` is called ``--warmup`` times untimed and ``--calls`` times timed, each call alone
(``time.perf_counter_ns`` around it). Reported per record kind: the median of the timed calls
(the figure the target is about), the 10th and 90th percentiles and the minimum, for each of
``--rounds`` rounds and the median over rounds. The records (one finding each, a new id every
call so that no cache of results could answer): a graded finding (article 18, 2 points) and a
per-person finding (article 26 ``harsh_tone``, two employees). A report, not a test: exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from typing import Any

import service_rules as sr

RECORDS: dict[str, dict[str, Any]] = {
    "graded finding": {"type": "finding", "outlet": "HJ-001", "date": "2026-07-14", "article": 18, "points": 2,
                       "note": "ATM机屏幕积灰"},
    "per-person finding": {"type": "finding", "outlet": "HJ-001", "date": "2026-07-14", "article": 26,
                           "tag": "harsh_tone", "employees": ["HJ001-E07", "HJ001-E12"]},
}
AS_OF = dt.date(2026, 11, 27)


def measure(compiled: Any, record: dict[str, Any], calls: int, warmup: int) -> list[int]:
    """Nanoseconds per call, ``calls`` of them after ``warmup`` untimed calls."""
    score, records, clock = sr.score, sr.Records, time.perf_counter_ns
    times = []
    for i in range(warmup + calls):
        rec = {**record, "id": f"F{i}"}
        t0 = clock()
        result = score(compiled, [records([rec], name="api")], as_of=AS_OF)
        t1 = clock()
        if i >= warmup:
            times.append(t1 - t0)
    if result.rejected or len(result.scorecards) != 1 or not result.scorecards[0].deductions:
        raise SystemExit(f"the record was not scored as expected: {result.to_dict()}")
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--pack", default="cangzhou")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    compiled = sr.compile_pack(sr.load_pack(args.pack))
    compile_s = time.perf_counter() - t0
    report: dict[str, Any] = {
        "pack": args.pack, "calls": args.calls, "warmup": args.warmup, "compile_s": round(compile_s, 4),
        "load_before": os.getloadavg()[0], "python": sys.version.split()[0], "kinds": {},
    }
    for kind, record in RECORDS.items():
        rounds = []
        for _ in range(args.rounds):
            ns = sorted(measure(compiled, record, args.calls, args.warmup))
            rounds.append({
                "median_ms": statistics.median(ns) / 1e6, "p10_ms": ns[len(ns) // 10] / 1e6,
                "p90_ms": ns[len(ns) * 9 // 10] / 1e6, "min_ms": ns[0] / 1e6,
            })
        report["kinds"][kind] = {"median_ms": statistics.median(r["median_ms"] for r in rounds), "rounds": rounds}
    report["load_after"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"pack {args.pack}: compiled in {compile_s * 1000:.0f} ms; {args.calls} timed calls after {args.warmup} "
          f"warm-up, {args.rounds} rounds; load {report['load_before']:.2f} / {report['load_after']:.2f}")
    for kind, k in report["kinds"].items():
        spread = ", ".join(f"{r['median_ms']:.3f}" for r in k["rounds"])
        last = k["rounds"][-1]
        print(f"  {kind}: median {k['median_ms']:.3f} ms per call (rounds: {spread}; last round p10 "
              f"{last['p10_ms']:.3f}, p90 {last['p90_ms']:.3f}, min {last['min_ms']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
