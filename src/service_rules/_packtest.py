"""``service-rules test``: a pack's own cases, run against the pack, with rule and article coverage.

A pack keeps its cases in ``tests/*.toml`` beside its rules. Each file holds ``[[cases]]``:
records in (inline tables, as on an input line) and what must come out. Only what a case
states is compared, except lists given whole (``actions``, ``rejected``, a scorecard's
``deductions``), which must match in length and order.

    [[cases]]
    name = "第二十六条:语气生硬按人次扣5分"
    as_of = "2026-11-27"
    records = [
      { type = "finding", id = "f1", outlet = "A", date = "2026-07-01", article = 26, tag = "harsh_tone", persons = 2 },
    ]
    [[cases.expect.scorecards]]
    outlet = "A"
    period = "2026Q3"
    total = 90
    sections = { 5 = 10 }                                # section number = score
    # likewise deducted = {…}, beyond_floor = {…}, assessable = {…}
    deductions = [ { rule = "cz-5-tone", points = 10 } ]

``actions``, ``absorbed`` (with ``absorbed_by``) and ``provisional`` are compared alike; a
threshold counts as covered when a passing case yields one of its actions (judged, absorbed or
provisional), a sanction group (``group:<id>``) when a passing case shows it absorbing one.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import attrs

from ._compiler import CompiledPack
from ._errors import Problem
from ._evaluate import check_period, result_of
from ._ingest import Records, ingest
from ._loader import parse_toml
from ._report import escape
from ._results import ScoreResult, dump
from ._store import Facts

#: The coverage item of the employee ledger (money.toml ``[employees]``): covered by a passing
#: case whose result has a ledger entry.
LEDGER = "ledger:employees"


@attrs.frozen
class CaseResult:
    file: str
    name: str
    failures: tuple[str, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.failures


@attrs.frozen
class Coverage:
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]

    @property
    def percent(self) -> float:
        total = len(self.covered) + len(self.uncovered)
        return 100.0 if total == 0 else 100.0 * len(self.covered) / total


@attrs.frozen
class PackTestReport:
    pack: str
    cases: tuple[CaseResult, ...]
    rules: Coverage
    articles: Coverage
    #: "all", or "layer" when only what the pack's own layer adds or overrides is counted
    scope: str = "all"

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)


#: The keys of a case, and what a case may expect (the JSON Schema of case files is built from them).
CASE_KEYS: tuple[str, ...] = ("name", "as_of", "period", "records", "expect", "note")
EXPECTATIONS: tuple[str, ...] = (
    "scorecards",
    "actions",
    "rejected",
    "accepted",
    "fines",
    "employees",
    "absorbed",
    "provisional",
    "absorbed_fines",
)


def cases_schema() -> dict[str, Any]:
    """The JSON Schema of a pack's test-case files (``tests/*.toml``), for editors."""
    table = {"type": "object"}
    section_numbers = {"type": "object", "propertyNames": {"pattern": "^[0-9]+$"}}
    descriptions = {
        "name": {"type": "string", "description": "what the case shows (Chinese)"},
        "as_of": {"type": "string", "description": "the date deadlines are judged at (YYYY-MM-DD)"},
        "period": {
            "type": "string",
            "description": "one period only, in the pack's period (2027-03, 2027Q1, 2027H1, 2027)",
        },
        "records": {
            "type": "array",
            "items": {**table, "required": ["type"]},
            "description": "input records, as on input lines",
        },
        "note": {"type": "string"},
    }
    expect_props: dict[str, Any] = {
        "scorecards": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["outlet", "period"],
                "properties": {
                    "outlet": {"type": "string"},
                    "period": {"type": "string"},
                    "sections": section_numbers,
                    "deducted": section_numbers,
                    "beyond_floor": section_numbers,
                    "assessable": section_numbers,
                    "total": {"type": ["integer", "null"]},
                    "amount": {"type": ["string", "null"], "description": "yuan of the deductions (\"240.00\")"},
                    "fined": {"type": ["string", "null"], "description": "yuan of the fines (\"200.00\")"},
                    "deductions": {"type": "array", "items": table},
                    "scored": {"type": "boolean"},
                },
                "description": "only the fields given are compared (any field of a scorecard in docs/contract.md); "
                "a list given whole must match in length and order",
            },
        },
        "actions": {"type": "array", "items": table},
        "rejected": {"type": "array", "items": table},
        "accepted": {"type": "integer", "minimum": 0},
    }
    for key in EXPECTATIONS:  # expectations added later without a schema of their own: any list of tables
        expect_props.setdefault(key, {"type": "array", "items": table})
    case = {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {
            **{k: descriptions.get(k, {}) for k in CASE_KEYS if k != "expect"},
            "expect": {"type": "object", "additionalProperties": False, "properties": expect_props},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "service_rules/cases.schema.json",
        "title": "service_rules pack test cases (tests/*.toml)",
        "type": "object",
        "additionalProperties": False,
        "properties": {"cases": {"type": "array", "items": case}},
    }


def _load_cases(folder: Path, problems: list[Problem]) -> list[tuple[str, dict[str, Any]]]:
    """The well-formed cases of every file; each problem found is added to ``problems``."""
    cases: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(folder.glob("*.toml")):
        shown = f"{folder.name}/{path.name}"
        before = len(problems)
        parsed = parse_toml(path.read_bytes(), shown, problems)
        problems[before:] = [_case_file_words(p) for p in problems[before:]]
        if parsed is None:
            continue
        data = parsed
        unknown = set(data) - {"cases"}
        if unknown:
            problems.append(
                Problem("unknown_key", f"用例文件中有未知的顶层键 {'、'.join(sorted(unknown))}(应为 [[cases]])", file=shown)
            )
        for i, case in enumerate(data.get("cases", [])):
            where = f"$.cases[{i}]"
            if not isinstance(case, dict) or not isinstance(case.get("name"), str):
                problems.append(Problem("missing_key", "每个用例都要有 name(用例名称)", file=shown, path=where))
                continue
            extra = set(case) - set(CASE_KEYS)
            if extra:
                known = "、".join(CASE_KEYS)
                problems.append(
                    Problem("unknown_key", f"未知的键 {'、'.join(sorted(extra))}(可用:{known})", file=shown, path=where)
                )
            if not isinstance(case.get("records", []), list):
                problems.append(
                    Problem("invalid_value", "records 应为记录表的列表", file=shown, path=f"{where}.records")
                )
                continue
            expect = case.get("expect", {})
            bad = set(expect) - set(EXPECTATIONS)
            if bad:
                known = "、".join(EXPECTATIONS)
                problems.append(
                    Problem(
                        "unknown_key",
                        f"未知的期望 {'、'.join(sorted(bad))}(可用:{known})",
                        file=shown,
                        path=f"{where}.expect",
                    )
                )
            cases.append((shown, case))
    return cases


def _case_file_words(p: Problem) -> Problem:
    """A case file that is not TOML, said in Chinese (the parser's own words kept after it)."""
    if p.code != "invalid_toml":
        return p
    hint = ""
    if "Cannot declare" in p.message:
        hint = ";同一个表在一个用例中只能写一次:[cases.expect] 属于它上面最近的 [[cases]],多项期望写在同一个表中"
    return attrs.evolve(p, message=f"用例文件不是有效的TOML{hint}(解析器:{p.message})")


def shown(value: Any) -> str:
    """A value of a case or of the result as an author reads it: JSON with Chinese as it is, and
    of a table only the fields that hold something (no ``None``/``False`` dumps of internals)."""
    import json

    def brief(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: brief(x) for k, x in v.items() if x not in (None, [], {}, (), 0, False) or k in ("total", "points")}
        if isinstance(v, list):
            return [brief(x) for x in v]
        return v

    return json.dumps(brief(value), ensure_ascii=False, separators=(", ", ": "))


def _match(expected: Mapping[str, Any], actual: Mapping[str, Any], what: str, failures: list[str]) -> None:
    for key, want in expected.items():
        if key not in actual:
            failures.append(f"{what}:结果中没有字段 {key}(字段名见 docs/contract.md)")
            continue
        got = actual[key]
        if isinstance(want, list) and isinstance(got, list) and want and all(isinstance(w, dict) for w in want):
            if len(want) != len(got):
                failures.append(f"{what}.{key}:期望{len(want)}项,实际{len(got)}项:{shown(got)}")
                continue
            for i, (w, g) in enumerate(zip(want, got, strict=True)):
                _match(w, g, f"{what}.{key}[{i}]", failures)
        elif want != got:
            failures.append(f"{what}.{key}:期望 {shown(want)},实际 {shown(got)}")


def _check_case(case: dict[str, Any], result: ScoreResult, groups: frozenset[str] = frozenset()) -> list[str]:
    failures: list[str] = []
    data = dump(result)
    expect = case.get("expect", {})
    for want in expect.get("scorecards", []):
        card = next(
            (c for c in data["scorecards"] if c["outlet"] == want.get("outlet") and c["period"] == want.get("period")),
            None,
        )
        label = f"评分卡 {want.get('outlet')} {want.get('period')}"
        if card is None:
            have = sorted({f"{c['outlet']} {c['period']}" for c in data["scorecards"]})
            failures.append(
                f"{label}:结果中没有网点 {want.get('outlet')} 在期间 {want.get('period')} 的评分卡"
                f"(结果中有:{'、'.join(have) or '无'})"
            )
            continue
        want = dict(want)
        for key, field in (
            ("sections", "score"),
            ("deducted", "deducted"),
            ("beyond_floor", "beyond_floor"),
            ("assessable", "assessable"),
        ):
            table = want.pop(key, None)
            if table is not None:
                by_number = {str(s["number"]): s for s in card["sections"]}
                for number, value in table.items():
                    s = by_number.get(str(number))
                    if s is None:
                        failures.append(f"{label}:没有第{number}章")
                    elif s[field] != value:
                        failures.append(f"{label}:第{number}章 {field} 期望 {shown(value)},实际 {shown(s[field])}")
        _match(want, card, label, failures)
    for key in ("actions", "rejected", "fines", "employees", "absorbed", "provisional", "absorbed_fines"):
        if key in expect:
            _match({key: expect[key]}, data, "结果", failures)
            if not expect[key] and data[key]:
                failures.append(f"{key}:期望没有,实际{len(data[key])}项:{shown(data[key])}")
    for key in ("absorbed", "absorbed_fines"):
        for i, want in enumerate(expect.get(key, [])):
            by = want.get("absorbed_by") if isinstance(want, dict) else None
            if isinstance(by, dict) and "group" in by and by["group"] not in groups:
                failures.append(f"{key}[{i}].absorbed_by.group:规则包中没有从高处理组 {shown(by['group'])}")
    if "accepted" in expect:
        accepted = sum(i["accepted"] for i in data["inputs"])
        if accepted != expect["accepted"]:
            failures.append(f"accepted(采纳记录数):期望 {expect['accepted']},实际 {accepted}")
    return failures


def run_pack_tests(compiled: CompiledPack, folder: str | Path | None = None, *, scope: str = "layer") -> PackTestReport:
    """Run a pack's cases (``<pack>/tests/*.toml`` unless ``folder`` says otherwise).

    Coverage counts the rules and articles of the whole pack, except for a pack that extends
    another with ``scope="layer"`` (the default): then only what its own layer adds or
    overrides, since the base pack's cases cover the rest.
    """
    import time

    root = Path(folder) if folder is not None else Path(compiled.pack.root or ".") / "tests"
    problems: list[Problem] = []
    cases = _load_cases(root, problems) if root.is_dir() else []
    # A case file that cannot be read fails as a case of its own; the other cases still run,
    # and the coverage of what ran is still reported.
    results: list[CaseResult] = [CaseResult(p.file or root.name, f"<{p.code}>", (str(p),), 0.0) for p in problems]
    used_rules: set[str] = set()
    used_articles: set[int] = set()
    for file, case in cases:
        start = time.perf_counter()
        try:
            facts, result = _run_case(compiled, file, case)
        except Exception as exc:  # a case that cannot run fails, as in any test runner
            failure = f"用例无法运行:{type(exc).__name__}: {exc}"
            results.append(CaseResult(file, case["name"], (failure,), time.perf_counter() - start))
            continue
        groups = frozenset(g.id for g in compiled.oversight.sanction_groups)
        failures = tuple(_check_case(case, result, groups))
        results.append(CaseResult(file, case["name"], failures, time.perf_counter() - start))
        if failures:
            continue  # a failing case proves nothing about the rules it reaches
        for observations in facts.observations.values():
            for obs in observations:
                used_rules.add(obs.rule)
                if obs.article is not None:
                    used_articles.add(obs.article)
        for action in (*result.actions, *result.absorbed, *result.provisional):
            if action.rule:
                used_rules.add(action.rule)
            if action.absorbed_by is not None:
                used_rules.add(f"group:{action.absorbed_by.group}")
            for ob in action.observations:
                used_rules.add(ob.split(":", 1)[0])  # derived lapses are named after their rule
        used_rules.update(f"group:{f.absorbed_by.group}" for f in result.absorbed_fines if f.absorbed_by)
        used_rules.update(f"fine:{f.rule}" for f in result.absorbed_fines)
        used_rules.update(f"exclude:{w.rule}" for w in facts.exclusions)
        used_rules.update(f"fine:{f.rule}" for f in result.fines)
        rate_of = compiled.money.rate_of
        used_rules.update(
            f"rate:{rate_of[d.rule]}" for c in result.scorecards for d in c.deductions if d.rule in rate_of
        )
        if result.employees:
            used_rules.add(LEDGER)
    rules = _rule_coverage(compiled, used_rules)
    articles = _article_coverage(compiled, used_articles)
    pack = compiled.pack
    layered = scope == "layer" and len(pack.layers) > 1
    if layered:
        own = {(c.kind, c.key) for c in pack.changes if c.layer == pack.layers[-1] and c.action != "disable"}
        owned = {key for kind, key in own if kind != "articles"}
        # (a ledger, being one table and not a list of entries, is counted in every layer)
        rules = _restrict(
            rules,
            lambda r: r in owned
            or r == LEDGER
            or (r.split(":", 1)[0] in ("exclude", "fine", "rate", "group") and r.split(":", 1)[-1] in owned),
        )
        articles = _restrict(articles, lambda a: ("articles", a) in own)
    return PackTestReport(compiled.name, tuple(results), rules, articles, "layer" if layered else "all")


def _case_day(text: str) -> _dt.date:
    """A case's ``as_of`` written as a string: a real day, YYYY-MM-DD (not 2027-02-29)."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as_of 应为实际存在的日期 YYYY-MM-DD(1900 至 2099 年),而不是 {escape(text[:40])!r}") from None


def _run_case(compiled: CompiledPack, file: str, case: dict[str, Any]) -> tuple[Facts, ScoreResult]:
    when = case.get("as_of", "2026-11-27")
    if isinstance(when, _dt.datetime):
        when = when.date()
    if not isinstance(when, (str, _dt.date)):
        raise TypeError(f"as_of: expected a date, found {type(when).__name__}")
    as_of = when if isinstance(when, _dt.date) else _case_day(when)
    if not _dt.date(1900, 1, 1) <= as_of <= _dt.date(2099, 12, 31):  # as --as-of (docs/cli.md)
        raise ValueError(f"as_of 应为 1900 至 2099 年间的日期,而不是 {as_of.isoformat()}")
    period = case.get("period")
    if period is not None and not isinstance(period, str):
        raise TypeError(f"period: expected a string, found {type(period).__name__}")
    check_period(period, compiled.pack.meta.period)
    facts = ingest(compiled, [Records(case.get("records", []), name=file)])
    return facts, result_of(compiled, facts, as_of=as_of, period=period)


def _restrict(coverage: Coverage, keep: Callable[[str], bool]) -> Coverage:
    return Coverage(tuple(x for x in coverage.covered if keep(x)), tuple(x for x in coverage.uncovered if keep(x)))


def _rule_coverage(compiled: CompiledPack, used: set[str]) -> Coverage:
    o = compiled.oversight
    every = [
        *compiled.rules,
        *(x.id for x in o.ladders),
        *(x.id for x in o.streaks),
        *(x.id for x in o.cadences),
        *(x.id for x in o.deadlines),
        *(x.id for x in o.crosschecks),
        *(x.id for x in o.thresholds),
        *(f"group:{g.id}" for g in o.sanction_groups),
        *(f"exclude:{x.code}" for x in (o.recommendation.exclude if o.recommendation else [])),
        *(f"rate:{r.id}" for r in compiled.pack.money.rates),
        *(f"fine:{f.id}" for f in compiled.pack.money.fines),
        *([LEDGER] if compiled.money.share is not None else []),
    ]
    return Coverage(tuple(r for r in every if r in used), tuple(r for r in every if r not in used))


def _article_coverage(compiled: CompiledPack, used: set[int]) -> Coverage:
    scorable = sorted(
        a.number
        for a in compiled.articles.values()
        if a.status != "missing"
        and a.section is not None
        and compiled.sections.get(a.section) is not None
        and compiled.sections[a.section].scored
    )
    return Coverage(tuple(str(a) for a in scorable if a in used), tuple(str(a) for a in scorable if a not in used))


def junit_xml(report: PackTestReport) -> bytes:
    """The report as JUnit XML (one testsuite, one testcase per case), for CI."""
    failures = sum(1 for c in report.cases if not c.passed)
    suite = ET.Element(
        "testsuite",
        name=f"service-rules:{report.pack}",
        tests=str(len(report.cases)),
        failures=str(failures),
        errors="0",
        time=f"{sum(c.seconds for c in report.cases):.3f}",
    )
    for c in report.cases:
        tc = ET.SubElement(suite, "testcase", classname=c.file, name=c.name, time=f"{c.seconds:.3f}")
        if c.failures:
            fail = ET.SubElement(tc, "failure", message=c.failures[0])
            fail.text = "\n".join(c.failures)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="rule_coverage", value=f"{report.rules.percent:.1f}")
    ET.SubElement(props, "property", name="article_coverage", value=f"{report.articles.percent:.1f}")
    return bytes(ET.tostring(suite, encoding="utf-8", xml_declaration=True))


def render_report(report: PackTestReport) -> str:
    out = []
    for c in report.cases:
        out.append(f"{'PASS' if c.passed else 'FAIL'}  {escape(c.file)}::{escape(c.name)}")
        out.extend(f"      {escape(f)}" for f in c.failures)
    passed = sum(1 for c in report.cases if c.passed)
    out.append(f"{report.pack}:{passed}/{len(report.cases)} 个用例通过")
    if passed < len(report.cases):
        out.append(f"覆盖率只计通过的{passed}个用例(未通过的用例不能证明它所涉及的规则)")
    r, a = report.rules, report.articles
    if report.scope == "layer":
        out.append("覆盖率只计本层新增或覆盖的内容(--coverage all:整个规则包)")
    out.append(f"规则覆盖率 {len(r.covered)}/{len(r.covered) + len(r.uncovered)}({r.percent:.1f}%)")
    if r.uncovered:
        out.append(f"  没有用例涉及的规则:{'、'.join(r.uncovered)}")
    out.append(f"条款覆盖率 {len(a.covered)}/{len(a.covered) + len(a.uncovered)}({a.percent:.1f}%)")
    if a.uncovered:
        out.append(f"  没有用例涉及的条款:{'、'.join(a.uncovered)}")
    return "\n".join(out) + "\n"
