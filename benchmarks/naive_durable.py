"""A naive use of durable_rules on the Cangzhou rules (a baseline, not how the library works).

    python benchmarks/naive_durable.py [--sessions county|one] [--as-of 2026-11-27] FILE.jsonl > out.json

What "naive" means here: every finding and complaint is asserted into durable_rules as a fact,
with its own ``id`` (the engine hashes it to 32 bits) and ``sid`` = its outlet's county (16
sessions; ``--sessions one``: all in session ``"0"``; one session per outlet would crash past
1,024 outlets). Facts are never retracted. The ruleset is the pack's: the compiled Cangzhou
rules' conditions lowered with ``service_rules._conditions.lower`` exactly as the library lowers
them, one durable_rules rule per pack rule, each action recording ``(fact id, rule)``. Then, in
Python: supersession (a fired rule that another fired rule supersedes is dropped), points
(graded, fixed, per person), the scorecards, written with the standard library's ``json``.

Records are checked with the library's own schema checks (``service_rules._facts``) before
they are asserted, so that the input that reaches the engine is the one the library scores;
an observation no rule matches (``MessageNotHandledException``) is rejected as ``no_rule``
(the library names the article problem instead). No oversight (ladders, cadences, reports,
cross-checks): ``"actions"`` is ``[]``.

What it counts and reports (in the output under ``"naive"`` and on stderr): observations the
engine refused as already observed (``MessageObservedException``: another id with the same
32-bit hash in the same session), any other engine error, and observations it accepted whose
rules never ran (silently lost). Each of these is an observation missing from the scorecards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from durable import engine

from service_rules import compile_pack, load_pack
from service_rules._compiler import render_reason
from service_rules._conditions import lower
from service_rules._facts import RECORD_TYPES, Reject, parse_date
from service_rules._periods import period_of


def quarter_of(day: Any) -> str:
    """The quarter of a day (the naive loop scores quarterly packs)."""
    return str(period_of(day, "quarter"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", choices=("county", "one"), default="county")
    p.add_argument("--pack", default="cangzhou")
    p.add_argument("--as-of", dest="as_of", default=None)
    p.add_argument("files", nargs="+")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    compiled = compile_pack(load_pack(args.pack), matcher="python")  # the engine is ours, below
    rules = compiled.rules

    fired: defaultdict[str, list[str]] = defaultdict(list)

    def recorder(rule_id: str) -> Any:
        def action(c: Any) -> None:  # one parameter: two would make it asynchronous
            fired[c.m["id"]].append(rule_id)

        return action

    definition = {
        "naive": {rid: {"all": [{"m": lower(list(r.conditions))}], "run": recorder(rid)} for rid, r in rules.items()}
    }
    host = engine.Host()
    host.register_rulesets(definition)

    sections = {a.number: a.section for a in compiled.articles.values() if a.section is not None}
    registry: dict[str, str] = {}
    inspections: dict[str, tuple[str, str]] = {}
    present: set[tuple[str, str]] = set()
    kept: list[tuple[dict[str, Any], int, int]] = []  # every asserted observation, whole
    rejected: list[tuple[int, int, str | None, str, str]] = []
    lost: Counter[str] = Counter()
    lost_ids: list[tuple[str, str]] = []
    seen: set[str] = set()
    inputs = []
    asserted = 0
    one = args.sessions == "one"
    for fi, name in enumerate(args.files):
        n = bad = 0
        with open(name, encoding="utf-8") as f:
            for line in f:
                n += 1
                obj = json.loads(line)
                rtype = obj.get("type")
                try:
                    spec = RECORD_TYPES.get(rtype)
                    if spec is None:
                        raise Reject("unknown_type", f"unknown type {rtype!r}")
                    spec.check(obj)
                    rid = obj.get("id")
                    if rid is not None:
                        if rid in seen:
                            raise Reject("duplicate_id", f"id {rid!r} was already used")
                        seen.add(rid)
                    if rtype == "outlet":
                        registry.setdefault(obj["outlet"], obj["county"])
                        continue
                    if rtype == "inspection":
                        inspections[obj["id"]] = (obj["outlet"], obj["date"])
                        present.add((obj["outlet"], quarter_of(parse_date(obj["date"], "date"))))
                        continue
                    if rtype not in ("finding", "complaint"):
                        continue
                    fact = dict(obj)
                    if rtype == "finding" and obj["article"] in sections:
                        fact["section"] = sections[obj["article"]]
                    fact["sid"] = "0" if one else registry.get(obj["outlet"], "?")
                    asserted += 1
                    try:
                        host.assert_fact("naive", fact)
                    except engine.MessageNotHandledException:
                        raise Reject("no_rule", "no rule of the pack matched") from None
                    except engine.MessageObservedException:
                        lost["observed"] += 1
                        lost_ids.append((obj["id"], "observed"))
                        continue
                    except Exception as exc:
                        lost["error"] += 1
                        lost_ids.append((obj["id"], f"{type(exc).__name__}: {exc}"))
                        continue
                    kept.append((obj, fi, n))
                except Reject as exc:
                    rejected.append((fi, n, obj.get("id"), exc.code, exc.message))
                    bad += 1
        inputs.append([name, n, bad])
    t_assert = time.perf_counter()

    # ---- accounting, in Python ------------------------------------------------------------
    cards: defaultdict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    pending: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    dismissed: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    layers = compiled.pack.rule_layers
    tag_labels = {(a.number, t): label for a in compiled.articles.values() for t, label in a.tags.items()}
    for obj, fi, line in kept:
        rid = obj["id"]
        matched = fired.get(rid)
        if not matched:
            lost["silent"] += 1
            lost_ids.append((rid, "silent"))
            continue
        replaced = set().union(*(rules[r].replaces for r in matched))
        decision = [r for r in matched if r not in replaced]
        try:
            if len(decision) != 1:
                raise Reject("ambiguous_rules", f"rules {decision} all apply")
            rule = rules[decision[0]].rule
            date = obj["date"]
            key = (obj["outlet"], quarter_of(parse_date(date, "date")))
            ref = obj.get("inspection")
            if ref is not None and inspections.get(ref) != (obj["outlet"], date):
                raise Reject(
                    "unknown_inspection" if ref not in inspections else "inspection_mismatch", f"inspection {ref!r}"
                )
            if rule.outcome in ("pending", "dismissed"):
                (pending if rule.outcome == "pending" else dismissed)[key].append(rid)
                present.add(key)
                continue
            d = rule.deduct
            assert d is not None
            points, persons, employees = obj.get("points"), obj.get("persons"), obj.get("employees")
            if obj["type"] == "complaint":
                amount, employees = d.points, [obj["employee"]] if obj.get("employee") else None
            elif d.kind == "graded":
                if points is None or not d.min <= points <= d.max:
                    raise Reject("out_of_range" if points is not None else "points_missing", f"points {points!r}")
                if persons is not None:
                    raise Reject("persons_not_per_person", "persons")
                amount = points
            elif points is not None:
                raise Reject("points_not_graded", "points")
            elif d.kind == "per_person":
                if employees is not None:
                    if persons is not None and persons != len(employees):
                        raise Reject("persons_mismatch", "persons")
                    persons = len(employees)
                elif persons is None:
                    persons = 1
                amount = d.points * persons
            else:
                if persons is not None:
                    raise Reject("persons_not_per_person", "persons")
                amount = d.points
            article, tag = obj.get("article"), obj.get("tag")
            label = tag_labels.get((article, tag), tag) if tag is not None else None
            cards[key].append(
                {
                    "rule": rule.id,
                    "article": article,
                    "section": rule.section,
                    "points": amount,
                    "observations": [rid],
                    "reason": render_reason(
                        rule.reason,
                        {"article": article, "points": amount, "persons": persons, "tag": label, "raw_points": amount},
                    ),
                    "note": obj.get("note"),
                    "raw_points": amount,
                    "provenance": d.provenance,
                    "date": date,
                    "tag": tag,
                    "persons": persons,
                    "employees": employees,
                    "layer": layers.get(rule.id),
                }
            )
            present.add(key)
        except Reject as exc:
            rejected.append((fi, line, rid, exc.code, exc.message))
            inputs[fi][2] += 1

    periods = {p for _, p in present}
    keys = set(present) | {(o, p) for o in registry for p in periods}
    scorecards = []
    for outlet, period in sorted(keys, key=lambda k: (k[1], k[0])):
        deductions = sorted(
            cards.get((outlet, period), []),
            key=lambda d: (d["section"], d["article"] is None, d["article"] or 0, d["observations"][0]),
        )
        per_section: Counter[int] = Counter()
        for d in deductions:
            per_section[d["section"]] += d["points"]
        secs = []
        for s in compiled.scored_sections:
            assert s.allotment is not None
            score = s.allotment.value - per_section[s.number]
            secs.append(
                {
                    "number": s.number,
                    "title": s.title,
                    "allotment": s.allotment.value,
                    "deducted": per_section[s.number],
                    "score": score,
                    "assumed": s.allotment.provenance == "assumed",
                    "assessable": s.number in compiled.assessable_sections,
                    "floor": None,
                    "beyond_floor": 0,
                }
            )
        scorecards.append(
            {
                "outlet": outlet,
                "county": registry.get(outlet),
                "period": period,
                "total": sum(s["score"] for s in secs),
                "sections": secs,
                "deductions": deductions,
                "pending": sorted(pending.get((outlet, period), [])),
                "dismissed": sorted(dismissed.get((outlet, period), [])),
            }
        )
    rejected.sort()
    t_end = time.perf_counter()
    stats = {
        "sessions": args.sessions,
        "asserted": asserted,
        "rules_fired": sum(len(v) for v in fired.values()),
        "lost": sum(lost.values()),
        "lost_by_cause": dict(lost),
        "lost_ids": lost_ids[:200],
        "seconds": {"assert": round(t_assert - t0, 3), "account": round(t_end - t_assert, 3)},
    }
    result = {
        "pack": {
            "name": compiled.name,
            "version": compiled.pack.version,
            "digest": compiled.pack.digest,
            "matcher": "naive durable_rules",
        },
        "as_of": args.as_of or dt.date.today().isoformat(),
        "period": None,
        "inputs": [
            {"file": nm, "sha256": None, "lines": n, "accepted": n - bad, "rejected": bad, "blank": 0}
            for nm, n, bad in inputs
        ],
        "scorecards": scorecards,
        "actions": [],
        "rejected": [
            {"file": args.files[fi], "line": ln, "id": rid, "code": code, "error": msg}
            for fi, ln, rid, code, msg in rejected
        ],
        "naive": stats,
    }
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
    sys.stdout.write("\n")
    sys.stdout.flush()
    print(
        f"naive durable_rules ({args.sessions} sessions): asserted {asserted}, lost {stats['lost']} {dict(lost)}, "
        f"assert {stats['seconds']['assert']} s, accounting {stats['seconds']['account']} s",
        file=sys.stderr,
    )
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
