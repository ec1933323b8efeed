"""The fastest hand-written pure-Python reading of the Cangzhou rules we could write (a baseline).

    python benchmarks/pure_python.py [--as-of 2026-11-27] FILE.jsonl > out.json

Not the library and not a second implementation of it: a lower bound for what scoring this
input in CPython costs. The Cangzhou rules are written out by hand below as one dict,
``(article, tag) -> (rule, section, kind, points)``, with supersession resolved in the table
(article 26 tagged replaces the 3-point item, article 41 ``drunk_on_duty`` replaces the
5-point per-person rule, a verified transfer replaces the verified complaint). Texts (reason
templates, section titles, tag labels, provenance) are read from the pack's TOML files so the
output carries the same words; nothing else is read from the pack.

What it does, like ``service-rules score``: orjson per line; per record type the allowed and
required fields; the article (``unknown_article``, ``article_missing_text``,
``article_not_scored``, ``unknown_tag``); dates (``invalid_date``); graded points in range
(``out_of_range``, ``points_missing``), no points on fixed or per-person rules, persons
against named employees; complaint channel; inspection references (outlet and date, decided
at the end when the inspection comes later); then scorecards per (outlet, quarter) with the
library's fields and order, written scorecard by scorecard with orjson.

What it skips (and the library does): the check that ids are unique (``duplicate_id``) and
the set of seen ids; type and non-emptiness checks of string fields (``id``, ``outlet``,
``note``, the elements of ``employees``) and of ``verified_on``; keys given twice in one
line; BOM and UTF-8 diagnostics (bad bytes are ``malformed_json``); the sha256 of each input;
conflicting outlet registrations; caps and floors (Cangzhou has none); every oversight
action (ladders, cadences, report deadlines, city cross-checks: ``"actions"`` is written as
``[]``); ``lapse``, ``report`` and ``star`` records are counted as accepted without checks.
Rejection messages are short, the codes are the library's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import orjson

PACK = Path(__file__).resolve().parent.parent / "src" / "service_rules" / "policies" / "cangzhou"

GRADED, FIXED, PER_PERSON = 0, 1, 2
#: (article, tag) -> (rule, section, kind, points or min, max)
RULES: dict[tuple[int, str | None], tuple[str, int, int, int, int]] = {}
for _a in (11, 12, 13, 14):
    RULES[(_a, None)] = ("cz-3-item", 3, GRADED, 1, 3)
for _a in (15, 16, 17, 18, 19):
    RULES[(_a, None)] = ("cz-4-item", 4, GRADED, 1, 3)
for _a in (24, 25, 26):
    RULES[(_a, None)] = ("cz-5-item", 5, FIXED, 3, 3)
RULES[(26, "harsh_tone")] = RULES[(26, "forbidden_phrase")] = ("cz-5-tone", 5, PER_PERSON, 5, 5)
for _a in (27, 28, 29, 30):
    RULES[(_a, None)] = ("cz-6-item", 6, GRADED, 1, 3)
for _a in (39, 40, 41, 42, 43):
    RULES[(_a, None)] = ("cz-8-person", 8, PER_PERSON, 5, 5)
RULES[(41, "drunk_on_duty")] = ("cz-8-drunk", 8, PER_PERSON, 10, 10)
SCORED_ARTICLES = frozenset(a for a, _ in RULES)
MISSING_ARTICLES = frozenset((*range(6, 11), *range(20, 24), *range(31, 39)))
UNSCORED_ARTICLES = frozenset((1, 2, 3, 4, 5, 44))
# complaint (verified, account_transferred) -> rule, points; pending / dismissed
COMPLAINT_TRANSFER = ("cz-5-complaint-transfer", 20)
COMPLAINT_VERIFIED = ("cz-5-complaint", 10)
#: section, allotment, assumed, assessable (the scored sections, in order)
SECTIONS = (
    (3, 15, True, True),
    (4, 15, False, True),
    (5, 20, True, True),
    (6, 20, False, True),
    (7, 15, True, False),
    (8, 15, False, True),
)

FINDING_REQUIRED = frozenset(("type", "id", "outlet", "date", "article"))
FINDING_ALLOWED = FINDING_REQUIRED | {"points", "persons", "employees", "tag", "inspection", "measured", "note"}
COMPLAINT_REQUIRED = frozenset(("type", "id", "outlet", "date", "channel"))
COMPLAINT_ALLOWED = COMPLAINT_REQUIRED | {"verified", "verified_on", "account_transferred", "employee", "note"}
INSPECTION_REQUIRED = frozenset(("type", "id", "outlet", "date", "by"))
INSPECTION_ALLOWED = INSPECTION_REQUIRED | {"note"}
OUTLET_REQUIRED = frozenset(("type", "outlet", "county"))
OUTLET_ALLOWED = OUTLET_REQUIRED | {"name"}
OTHER_TYPES = frozenset(("lapse", "report", "star"))
CHANNELS = frozenset(("phone", "written"))
BY = frozenset(("county", "city", "mystery"))
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
NO_ARTICLE = 1 << 30  # complaints sort after articles within their section


def _texts() -> tuple[dict[str, tuple[str, str]], dict[int, str | None], dict[tuple[int, str], str]]:
    """(rule -> (reason template, provenance)), section titles, tag labels, from the pack's TOML."""
    with open(PACK / "rules.toml", "rb") as f:
        rules = {r["id"]: (r["reason"], r.get("deduct", {}).get("provenance", "")) for r in tomllib.load(f)["rules"]}
    with open(PACK / "sections.toml", "rb") as f:
        titles = {s["number"]: s.get("title") for s in tomllib.load(f)["sections"]}
    with open(PACK / "articles.toml", "rb") as f:
        tags = {(a["number"], t): label for a in tomllib.load(f)["articles"] for t, label in a.get("tags", {}).items()}
    return rules, titles, tags


class Rejected(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--as-of", dest="as_of", default=None, help="echoed in the output (no oversight here)")
    p.add_argument("files", nargs="+")
    args = p.parse_args(argv)
    gc.disable()  # acyclic objects only: the collector would only re-scan them
    out = sys.stdout.buffer
    code = run(args.files, args.as_of or dt.date.today().isoformat(), out)
    out.flush()
    sys.stderr.flush()
    os._exit(code)  # no teardown of a million small objects


def run(files: list[str], as_of: str, out: Any) -> int:
    reasons, titles, tag_labels = _texts()
    loads = orjson.loads
    rules_get = RULES.get
    periods: dict[str, str] = {}
    registry: dict[str, str] = {}
    inspections: dict[str, tuple[str, str]] = {}
    present: set[tuple[str, str]] = set()
    #: (outlet, period) -> [deductions as (section, article or NO_ARTICLE, id, variant key, date, note, employees)]
    cards: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    pending: dict[tuple[str, str], list[str]] = {}
    dismissed: dict[tuple[str, str], list[str]] = {}
    #: (rule, article, section, points, persons, tag): the constant part of a deduction, one tuple each
    variants: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    later: list[tuple[str, str, str, int, tuple[Any, ...], int, str]] = []  # references to inspections not yet seen
    rejected: list[tuple[int, int, str | None, str, str]] = []
    inputs = []

    def period_of(date: Any) -> str:
        if type(date) is not str or not ISO_DATE.fullmatch(date):
            raise Rejected("invalid_date", f"date: expected YYYY-MM-DD, found {date!r}")
        try:
            d = dt.date.fromisoformat(date)
        except ValueError:
            raise Rejected("invalid_date", f"date: {date!r} is not a date that exists") from None
        q = periods[date] = f"{d.year}Q{(d.month - 1) // 3 + 1}"
        return q

    for fi, name in enumerate(files):
        n = blank = bad = 0
        with open(name, "rb") as f:
            for raw in f:
                n += 1
                try:
                    o = loads(raw)
                except orjson.JSONDecodeError:
                    if raw.isspace():
                        blank += 1
                    else:
                        rejected.append((fi, n, None, "malformed_json", "malformed JSON"))
                        bad += 1
                    continue
                try:
                    t = o["type"]
                    if t == "finding":
                        k = o.keys()
                        if not k <= FINDING_ALLOWED:
                            raise Rejected("unknown_field", f"unknown field {sorted(k - FINDING_ALLOWED)[0]!r}")
                        if not k >= FINDING_REQUIRED:
                            raise Rejected("missing_field", f"missing field {sorted(FINDING_REQUIRED - k)[0]!r}")
                        article = o["article"]
                        tag = o.get("tag")
                        r = rules_get((article, tag))
                        if r is None:
                            raise Rejected(*_article_problem(article, tag))
                        date = o["date"]
                        period = periods.get(date) or period_of(date)
                        rule, section, kind, pts, hi = r
                        points = o.get("points")
                        persons = o.get("persons")
                        employees = o.get("employees")
                        if kind == GRADED:
                            if type(points) is not int:
                                raise Rejected("points_missing" if points is None else "wrong_type", "points")
                            if not pts <= points <= hi:
                                raise Rejected("out_of_range", f"points {points} is outside {pts}-{hi}")
                            if persons is not None:
                                raise Rejected("persons_not_per_person", "persons on a rule that is not per person")
                            amount = points
                        elif points is not None:
                            raise Rejected("points_not_graded", "points on a fixed or per-person rule")
                        elif kind == FIXED:
                            if persons is not None:
                                raise Rejected("persons_not_per_person", "persons on a rule that is not per person")
                            amount = pts
                        else:
                            if employees is not None:
                                if persons is not None and persons != len(employees):
                                    raise Rejected("persons_mismatch", "persons and employees disagree")
                                persons = len(employees)
                            elif persons is None:
                                persons = 1
                            elif type(persons) is not int or persons < 1:
                                raise Rejected("invalid_value", "persons")
                            amount = pts * persons
                        outlet = o["outlet"]
                        rid = o["id"]
                        vk = (rule, article, section, amount, persons, tag)
                        entry = (section, article, rid, variants.setdefault(vk, vk), date, o.get("note"), employees)
                        ref = o.get("inspection")
                        if ref is not None:
                            target = inspections.get(ref)
                            if target is None:
                                later.append((ref, outlet, period, fi, entry, n, date))
                                continue
                            if target != (outlet, date):
                                raise Rejected("inspection_mismatch", f"inspection {ref!r} is of {target}")
                        key = (outlet, period)
                        lst = cards.get(key)
                        if lst is None:
                            cards[key] = [entry]
                        else:
                            lst.append(entry)
                    elif t == "complaint":
                        k = o.keys()
                        if not k <= COMPLAINT_ALLOWED:
                            raise Rejected("unknown_field", f"unknown field {sorted(k - COMPLAINT_ALLOWED)[0]!r}")
                        if not k >= COMPLAINT_REQUIRED:
                            raise Rejected("missing_field", f"missing field {sorted(COMPLAINT_REQUIRED - k)[0]!r}")
                        if o["channel"] not in CHANNELS:
                            raise Rejected("invalid_value", f"channel {o['channel']!r}")
                        date = o["date"]
                        period = periods.get(date) or period_of(date)
                        key = (o["outlet"], period)
                        verified = o.get("verified")
                        if verified is None:
                            pending.setdefault(key, []).append(o["id"])
                        elif verified is False:
                            dismissed.setdefault(key, []).append(o["id"])
                        elif verified is True:
                            rule, amount = (
                                COMPLAINT_TRANSFER if o.get("account_transferred") is True else COMPLAINT_VERIFIED
                            )
                            employee = o.get("employee")
                            vk = (rule, None, 5, amount, None, None)
                            entry = (
                                5,
                                NO_ARTICLE,
                                o["id"],
                                variants.setdefault(vk, vk),
                                date,
                                o.get("note"),
                                [employee] if employee else None,
                            )
                            cards.setdefault(key, []).append(entry)
                        else:
                            raise Rejected("wrong_type", "verified: expected true or false")
                        present.add(key)
                    elif t == "inspection":
                        k = o.keys()
                        if not (k <= INSPECTION_ALLOWED and k >= INSPECTION_REQUIRED) or o["by"] not in BY:
                            raise Rejected(
                                "unknown_field" if not k <= INSPECTION_ALLOWED else "invalid_value", "inspection"
                            )
                        date = o["date"]
                        period = periods.get(date) or period_of(date)
                        inspections[o["id"]] = (o["outlet"], date)
                        present.add((o["outlet"], period))
                    elif t == "outlet":
                        k = o.keys()
                        if not (k <= OUTLET_ALLOWED and k >= OUTLET_REQUIRED):
                            raise Rejected("unknown_field", "outlet")
                        registry.setdefault(o["outlet"], o["county"])
                    elif t not in OTHER_TYPES:
                        raise Rejected("unknown_type", f"unknown type {t!r}")
                except Rejected as exc:
                    rejected.append((fi, n, o.get("id") if type(o) is dict else None, exc.args[0], exc.args[1]))
                    bad += 1
                except (KeyError, TypeError, AttributeError) as exc:  # not an object, a field of the wrong type
                    if type(o) is not dict:
                        code = "not_an_object"
                    elif "type" not in o:
                        code = "unknown_type"
                    else:
                        code = "missing_field" if isinstance(exc, KeyError) else "wrong_type"
                    rejected.append(
                        (fi, n, o.get("id") if type(o) is dict else None, code, f"{type(exc).__name__}: {exc}")
                    )
                    bad += 1
        inputs.append([name, n, blank, bad])
    for ref, outlet, period, fi, entry, line, date in later:
        target = inspections.get(ref)
        if target is None or target != (outlet, date):
            rejected.append(
                (
                    fi,
                    line,
                    entry[2],
                    "unknown_inspection" if target is None else "inspection_mismatch",
                    f"inspection {ref!r}",
                )
            )
            inputs[fi][3] += 1
            continue
        cards.setdefault((outlet, period), []).append(entry)

    # ---- write, scorecard by scorecard -----------------------------------------------------
    dumps = orjson.dumps
    write = out.write
    constants = {}
    for vk in variants:
        rule, article, section, amount, persons, tag = vk
        template, provenance = reasons[rule]
        values = {
            "article": article,
            "points": amount,
            "persons": persons,
            "raw_points": amount,
            "tag": tag_labels.get((article, tag), tag) if tag is not None else None,
        }
        reason = _render(template, values)
        constants[vk] = (rule, article, section, amount, reason, provenance, tag, persons)
    write(
        b'{"pack":{"name":"cangzhou","version":"1.0.0","digest":null,"matcher":"pure_python"},"as_of":' + dumps(as_of)
    )
    summaries = [
        {"file": name, "sha256": None, "lines": n, "accepted": n - blank - bad, "rejected": bad, "blank": blank}
        for name, n, blank, bad in inputs
    ]
    write(b',"period":null,"inputs":' + dumps(summaries) + b',"scorecards":[')
    all_periods = {p for _, p in cards} | {p for _, p in present} | {p for _, p in pending} | {p for _, p in dismissed}
    keys = set(cards) | present | set(pending) | set(dismissed)
    keys.update((o, p) for o in registry for p in all_periods)
    first = True
    empty: list[Any] = []
    for key in sorted(keys, key=lambda k: (k[1], k[0])):
        entries = cards.get(key, empty)
        entries.sort()
        deducted = dict.fromkeys((3, 4, 5, 6, 7, 8), 0)
        deductions = []
        for section, _article, rid, v, date, note, employees in entries:
            rule, art, sec, amount, reason, provenance, tag, persons = constants[v]
            deducted[section] += amount
            deductions.append(
                {
                    "rule": rule,
                    "article": art,
                    "section": sec,
                    "points": amount,
                    "observations": [rid],
                    "reason": reason,
                    "note": note,
                    "raw_points": amount,
                    "provenance": provenance,
                    "date": date,
                    "tag": tag,
                    "persons": persons,
                    "employees": employees,
                    "layer": "cangzhou",
                }
            )
        sections = []
        total = 0
        for number, allotment, assumed, assessable in SECTIONS:
            score = allotment - deducted[number]
            total += score
            sections.append(
                {
                    "number": number,
                    "title": titles.get(number),
                    "allotment": allotment,
                    "deducted": deducted[number],
                    "score": score,
                    "assumed": assumed,
                    "assessable": assessable,
                    "floor": None,
                    "beyond_floor": 0,
                }
            )
        card = {
            "outlet": key[0],
            "county": registry.get(key[0]),
            "period": key[1],
            "total": total,
            "sections": sections,
            "deductions": deductions,
            "pending": sorted(pending.get(key, empty)),
            "dismissed": sorted(dismissed.get(key, empty)),
        }
        write((b"" if first else b",") + dumps(card))
        first = False
    rejected.sort()
    write(
        b'],"actions":[],"rejected":'
        + dumps(
            [
                {"file": files[fi], "line": line, "id": rid, "code": code, "error": msg}
                for fi, line, rid, code, msg in rejected
            ]
        )
        + b"}\n"
    )
    return 1 if rejected else 0


def _render(template: str, values: dict[str, Any]) -> str:
    """The library's reason templates: ``{name}`` filled, an absent value reads as nothing."""

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return m.group(0)
        return "" if values[name] is None else str(values[name])

    return PLACEHOLDER.sub(fill, template)


def _article_problem(article: Any, tag: Any) -> tuple[str, str]:
    if type(article) is not int:
        return "wrong_type", f"article: expected an integer, found {article!r}"
    if article in SCORED_ARTICLES:
        return "unknown_tag", f"article {article} knows no tag {tag!r}"
    if article in MISSING_ARTICLES:
        return "article_missing_text", f"the pack has no text for article {article}"
    if article in UNSCORED_ARTICLES:
        return "article_not_scored", f"article {article} is not scored"
    return "unknown_article", f"article {article} is not in the pack"


if __name__ == "__main__":
    sys.exit(main())
