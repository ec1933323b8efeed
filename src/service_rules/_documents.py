"""The documents an office circulates, from a :class:`ScoreResult`: the workbook (``.xlsx``), the
quarter's 通报 (Markdown, Word) and the ranked table (CSV). Every file is written atomically.

What the documents hold is computed once here (:func:`ranking`, :func:`county_summary`,
:func:`person_deductions`) and laid out by each writer; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ._codes import APPEAL_DECISION_LABELS, cn_number, rejection_label
from ._employees import ledger, named_in_cards
from ._files import atomic_path, write_atomic
from ._money import CENT
from ._periods import parse_period
from ._report import absorbed_words, appeal_text, section_name, width
from ._results import Action, AppealRef, Deduction, LapseAppeal, OverturnedLapse, Scorecard, ScoreResult

if TYPE_CHECKING:  # pragma: no cover
    from ._model import Pack

UNREGISTERED = "(未登记县联社)"
PROVENANCE_LABELS = {"literal": "原文", "interpreted": "解释", "assumed": "假定"}
SPLIT_NOTE = (
    "说明:一项扣分由多名责任人共同承担时,按人数平均分摊,精确到0.01分,"
    "以最大余数法处理尾差(各人分摊之和等于该项扣分);未列明责任人的扣分由网点承担,不在本表。"
)
FULL_NOTE = (
    "说明:一项扣分由多名责任人共同承担时,按规则包的规定每人全额承担该项扣分;"
    "未列明责任人的扣分由网点承担,不在本表。"
)


def person_note(result: ScoreResult) -> str:
    """The note of the per-person sheets: how the pack's ledger shares a deduction."""
    full = any(type(e.points) is int for e in result.employees)
    return FULL_NOTE if full else SPLIT_NOTE


@attrs.frozen
class DocumentLabels:
    """What the documents call things, from the pack: its title, 条 or 项, names of actions."""

    title: str | None = None
    article_unit: str = "条"
    action_labels: Mapping[str, str] = attrs.field(factory=dict)
    #: A pack's dated amendments: id → when and by what (``2026-08-16 起施行,沧农信联〔2026〕18号``).
    amendments: Mapping[str, str] = attrs.field(factory=dict)
    #: Titles of the pack's rules (oversight rules, fines, deduction rules) and sanction groups, by id.
    rule_titles: Mapping[str, str] = attrs.field(factory=dict)
    #: What the pack's dismissing rules (``outcome = "dismissed"``) all mean: ``untrue`` (every one a
    #: complaint verified untrue), ``complaint`` (every one a complaint), ``record`` (anything else).
    dismissed: str = "record"
    #: Whether every pending rule (``outcome = "pending"``) is a complaint's (``complaint``) or not (``record``).
    pending: str = "record"
    #: A pack's dated amendments: id → the day it is in force from, in date order (the workbook's 修订 columns).
    amendment_days: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def from_pack(cls, pack: Pack) -> DocumentLabels:
        return cls(
            pack.meta.title,
            pack.meta.article_unit,
            {**pack.oversight.action_labels, **pack.money.action_labels},
            {t.amendment.id: f"{t.amendment.effective} 起施行,{t.amendment.document}" for t in pack.amendments},
            rule_titles(pack),
            dismissed_kind(pack),
            "complaint" if all(r.when.get("type") == "complaint" for r in pack.rules if r.outcome == "pending") else "record",
            amendment_days={t.amendment.id: t.amendment.effective for t in pack.amendments},
        )

    def amendment_on(self, day: str) -> str | None:
        """The amendment in force on ``day`` (None: the original text)."""
        found = None
        for aid, effective in self.amendment_days.items():  # in date order
            if effective <= day:
                found = aid
        return found

    def article(self, number: int | None, section: int | None = None) -> str:
        if number is not None:
            return f"第{number}{self.article_unit}"
        return f"第{cn_number(section)}章" if section is not None else ""

    def action(self, code: str) -> str:
        return self.action_labels.get(code, code)

    def rule_title(self, rule: str | None) -> str | None:
        """A rule or sanction group as a clerk reads it: its title, with its id (``标题(id)``)."""
        if rule is None or rule not in self.rule_titles:
            return rule
        return f"{self.rule_titles[rule]}({rule})"


def dismissed_kind(pack: Pack) -> str:
    """What a dismissed record of this pack is, truthfully, for the 通报: a complaint verified
    untrue only when every dismissing rule says so (``verified = false``), never otherwise."""
    rules = [r for r in pack.rules if r.outcome == "dismissed"]
    if rules and all(r.when.get("type") == "complaint" for r in rules):
        untrue = all(r.when.get("verified") is False for r in rules)
        return "untrue" if untrue else "complaint"
    return "record"


def dismissed_words(kind: str, ids: Sequence[str]) -> str:
    """The 通报's line on dismissed records, as the pack's dismissing rules read."""
    shown = "、".join(ids)
    if kind == "untrue":
        return f"经核实不属实的投诉{len(ids)}件({shown}),不扣分。"
    if kind == "complaint":
        return f"按规则不扣分的投诉{len(ids)}件({shown})。"
    return f"按规则不扣分的记录{len(ids)}条({shown})。"


def rule_titles(pack: Pack) -> dict[str, str]:
    """Rule id → its ``title``, for every kind of rule that may take or absorb an action (and the
    sanction groups), so that a clerk reads 「员工季度累计分摊扣分超过10分纳入动态管理」, not an id."""
    o = pack.oversight
    kinds: list[Sequence[Any]] = [
        pack.rules,
        o.ladders,
        o.streaks,
        o.cadences,
        o.deadlines,
        o.crosschecks,
        o.thresholds,
        o.sanction_groups,
        pack.money.fines,
    ]
    return {r.id: r.title for rules in kinds for r in rules if getattr(r, "title", None)}


# ---- what the documents hold ----------------------------------------------------------------


def is_scored(card: Scorecard) -> bool:
    """A scorecard that takes part in rankings: ``scored`` where the result has it (issue H);
    before that, one with something recorded against it (see :func:`_inspected`)."""
    return _inspected(card) and card.total is not None


@attrs.frozen
class Ranked:
    """An outlet's place in its period: ``rank`` shared by ties (1, 2, 2, 4); None when not scored."""

    rank: int | None
    card: Scorecard


def ranking(result: ScoreResult) -> list[Ranked]:
    """Per period: the scored outlets by total (highest first; ties share a rank, ordered by code),
    then the outlets without a score, by code."""
    out: list[Ranked] = []
    for period in periods(result):
        cards = [c for c in result.scorecards if c.period == period]
        scored = sorted((c for c in cards if is_scored(c)), key=lambda c: (-(c.total or 0), c.outlet))
        rank = 0
        for i, card in enumerate(scored):
            if i == 0 or card.total != scored[i - 1].total:
                rank = i + 1
            out.append(Ranked(rank, card))
        out.extend(Ranked(None, c) for c in sorted(cards, key=lambda c: c.outlet) if not is_scored(c))
    return out


def periods(result: ScoreResult) -> list[str]:
    return sorted({c.period for c in result.scorecards})


@attrs.frozen
class CountySummary:
    period: str
    county: str | None
    outlets: int
    inspected: int
    average: Decimal | None
    lowest: int | None
    highest: int | None
    deducted: int
    actions: int


def _inspected(card: Scorecard) -> bool:
    # ``scored`` says it where the result has it (an accepted inspection, finding or complaint);
    # a result without it cannot show inspections, so an outlet with a deduction or a complaint
    # counts (an outlet inspected with nothing found is then missed: wire ``scored`` in).
    scored = getattr(card, "scored", None)
    if scored is not None:
        return bool(scored)
    return bool(card.deductions or card.pending or card.dismissed)


def county_summary(result: ScoreResult) -> list[CountySummary]:
    """One row per period and county (unregistered outlets last): outlets, inspected, average,
    lowest and highest total of the scored outlets, points deducted, actions against the county."""
    rows: list[CountySummary] = []
    for period in periods(result):
        cards = [c for c in result.scorecards if c.period == period]
        counties = sorted({c.county for c in cards}, key=lambda c: (c is None, c or ""))
        for county in counties:
            mine = [c for c in cards if c.county == county]
            totals = [c.total for c in mine if is_scored(c) and c.total is not None]
            average = (Decimal(sum(totals)) / len(totals)).quantize(Decimal("0.01"), ROUND_HALF_UP) if totals else None
            actions = sum(
                1 for a in result.actions if a.period == period and a.subject_type == "county" and a.subject == county
            )
            rows.append(
                CountySummary(
                    period,
                    county,
                    len(mine),
                    sum(1 for c in mine if _inspected(c)),
                    average,
                    min(totals) if totals else None,
                    max(totals) if totals else None,
                    sum(d.points for c in mine for d in c.deductions),
                    actions,
                )
            )
    return rows


@attrs.frozen
class PersonDeduction:
    """An employee's part of one deduction: ``share`` of its ``points``, split equally among ``among``."""

    employee: str
    card: Scorecard
    deduction: Deduction
    among: int
    share: Decimal


def person_deductions(result: ScoreResult) -> list[PersonDeduction]:
    """Every deduction that names employees, one row per employee, by employee, period, date, id:
    the shares of the result's employee ledger (``employees[]``: as the pack shares them), or,
    when the pack keeps no ledger, the same ledger computed with equal parts (split)."""
    accounts = result.employees or ledger(named_in_cards(result.scorecards), (), "split")
    where = {(c.outlet, c.period, d.observations): (c, d) for c in result.scorecards for d in c.deductions if d.employees}
    rows: list[PersonDeduction] = []
    for account in accounts:
        for part in account.deductions:
            card, d = where[(part.outlet, account.period, part.observations)]
            rows.append(PersonDeduction(account.employee, card, d, part.among, Decimal(part.points).quantize(CENT)))
    rows.sort(key=lambda r: (r.employee, r.card.period, r.deduction.date, r.deduction.observations, r.card.outlet))
    return rows


def person_totals(rows: Sequence[PersonDeduction]) -> list[tuple[str, str, list[str], int, Decimal]]:
    """(employee, period, outlets, deductions, points) per employee and period."""
    acc: dict[tuple[str, str], tuple[list[str], int, Decimal]] = {}
    for r in rows:
        outlets, n, total = acc.get((r.employee, r.card.period), ([], 0, Decimal("0.00")))
        if r.card.outlet not in outlets:
            outlets = [*outlets, r.card.outlet]
        acc[(r.employee, r.card.period)] = (outlets, n + 1, total + r.share)
    return [(e, p, o, n, t) for (e, p), (o, n, t) in sorted(acc.items())]


def period_words(period: str | None) -> str:
    """``2026Q3`` → 2026年第三季度, ``2026-07`` → 2026年7月, ``2026H2`` → 2026年下半年, ``2026`` → 2026年."""
    if not period:
        return ""
    try:
        return parse_period(period).words()
    except ValueError:
        return period


def date_words(date: str) -> str:
    """``2026-11-27`` → 2026年11月27日."""
    try:
        y, m, d = date.split("-")
        return f"{y}年{int(m)}月{int(d)}日"
    except ValueError:
        return date


# ---- the workbook ---------------------------------------------------------------------------


@attrs.frozen
class _Sheet:
    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str | None = None  # a line above the header
    wrap: frozenset[int] = frozenset()  # columns of long text
    formats: Mapping[int, str] = attrs.field(factory=dict)  # column → number format


def _section_headers(result: ScoreResult) -> list[tuple[int, str]]:
    seen: dict[int, str] = {}
    for card in result.scorecards:
        for s in card.sections:
            seen.setdefault(s.number, section_name(s.number, s.title))
    return sorted(seen.items())


def _name(names: Mapping[str, str], outlet: str) -> str | None:
    return names.get(outlet)


def outlet_names(result: ScoreResult, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Outlet code → name: the result's own (``scorecards[].name``, from the outlet records), with
    ``names`` (kept for callers that pass their own) taking precedence where given."""
    out = {c.outlet: c.name for c in result.scorecards if c.name}
    out.update(names or {})
    return out


def _workbook_sheets(result: ScoreResult, names: Mapping[str, str], labels: DocumentLabels) -> list[_Sheet]:
    sections = _section_headers(result)
    ranked = ranking(result)
    money = MoneyColumns.of(result)
    amended = bool(labels.amendment_days)  # which text judged: 修订 columns, for an amended pack only
    rank_rows = []
    for r in ranked:
        c = r.card
        by_number = {s.number: s.score for s in c.sections}
        remark = None if r.rank is not None else "未评分:" + _unscored_reason(c)
        if getattr(c, "rejections", 0):
            flag = f"涉及本网点的输入有{c.rejections}行未采纳,得分可能偏高,请核对"
            remark = f"{remark};{flag}" if remark else flag
        rank_rows.append(
            [
                c.period,
                r.rank,
                c.outlet,
                _name(names, c.outlet),
                c.county or UNREGISTERED,
                *[by_number.get(n) if r.rank is not None else None for n, _ in sections],
                c.total if r.rank is not None else None,
                len(c.deductions),
                *money.cells(c),
                remark,
                *(["、".join(c.versions) or None] if amended else []),
            ]
        )
    summary_rows = [
        [
            s.period,
            s.county or UNREGISTERED,
            s.outlets,
            s.inspected,
            s.average,
            s.lowest,
            s.highest,
            s.deducted,
            s.actions,
        ]
        for s in county_summary(result)
    ]
    deduction_rows = []
    for c in result.scorecards:
        for d in c.deductions:
            deduction_rows.append(
                [
                    c.period,
                    c.outlet,
                    _name(names, c.outlet),
                    c.county or UNREGISTERED,
                    section_name(d.section, _section_title(c, d.section)),
                    labels.article(d.article, d.section) if d.article is not None else "投诉",
                    d.rule,
                    d.points,
                    d.raw_points,
                    d.date,
                    "、".join(d.observations),
                    d.tag,
                    d.persons,
                    "、".join(d.employees) if d.employees else None,
                    d.reason,
                    d.note,
                    PROVENANCE_LABELS.get(d.provenance, d.provenance),
                    appeal_text(d.appeal, d.original_points) if d.appeal is not None else None,
                    *([labels.amendment_on(d.date)] if amended else []),
                ]
            )
    persons = person_deductions(result)
    person_rows = [
        [
            p.employee,
            p.card.period,
            p.card.outlet,
            _name(names, p.card.outlet),
            p.card.county or UNREGISTERED,
            labels.article(p.deduction.article, p.deduction.section) if p.deduction.article is not None else "投诉",
            p.deduction.rule,
            "、".join(p.deduction.observations),
            p.deduction.date,
            p.deduction.points,
            p.among,
            p.share,
        ]
        for p in persons
    ]
    total_rows = [
        [e, period, "、".join(outlets), "、".join(filter(None, (names.get(o) for o in outlets))) or None, n, total]
        for e, period, outlets, n, total in person_totals(persons)
    ]
    action_rows = [
        [
            a.period,
            a.date,
            a.subject,
            {"county": "县联社", "outlet": "网点", "employee": "员工"}.get(a.subject_type, a.subject_type),
            labels.action(a.action),
            a.action,
            labels.article(a.article) if a.article is not None else None,
            "是" if a.circulate else "否",
            "、".join(a.outlets) if a.outlets else None,
            "、".join(a.observations),
            a.rule,
            a.reason
            + (
                f"〔涉及被拒绝输入{a.rejections}行,结论可能有误〕"
                if getattr(a, "rejections", 0)
                else ""
            ),
        ]
        for a in result.actions
    ]
    for x in result.overturned_lapses:  # withdrawn: issued before the appeal, kept and marked
        ids = "、".join(a.id for a in x.appeals)
        for a in x.withdrawn:
            action_rows.append(
                [
                    *_action_cells(a, labels)[:4],
                    f"撤销:{labels.action(a.action)}",
                    a.action,
                    labels.article(a.article) if a.article is not None else None,
                    "是" if a.circulate else "否",
                    "、".join(a.outlets) if a.outlets else None,
                    "、".join(a.observations),
                    a.rule,
                    f"〔已撤销:失职记录 {x.id} 经申诉{ids}撤销〕{a.reason}",
                ]
            )
    rejected_rows = [
        [
            r.file,
            getattr(r, "sheet", None),
            r.line,
            r.id,
            r.code,
            rejection_label(r.code),
            r.error,
        ]
        for r in result.rejected
    ]
    sheets = [
        _Sheet(
            "排名",
            ["期间", "名次", "网点代码", "网点名称", "县联社", *[t for _, t in sections], "总分", "扣分项数", *money.header, "说明", *(["修订"] if amended else [])],
            rank_rows,
            formats={5 + len(sections) + 2 + i: "0.00" for i in range(len(money.header))},
        ),
        _Sheet(
            "县联社汇总",
            ["期间", "县联社", "网点数", "已检查网点", "平均分", "最低分", "最高分", "扣分合计", "处理事项"],
            summary_rows,
            formats={4: "0.00"},
        ),
        _Sheet(
            "扣分明细",
            [
                "期间",
                "网点代码",
                "网点名称",
                "县联社",
                "章节",
                "条款",
                "规则",
                "扣分",
                "规则原扣分",
                "日期",
                "记录编号",
                "情形",
                "人次",
                "责任人",
                "扣分原因",
                "备注",
                "分值依据",
                "申诉",
                *(["修订"] if amended else []),
            ],
            deduction_rows,
            wrap=frozenset({14, 15, 17}),
        ),
        _Sheet(
            "个人扣分",
            [
                "员工",
                "期间",
                "网点代码",
                "网点名称",
                "县联社",
                "条款",
                "规则",
                "记录编号",
                "日期",
                "该项扣分",
                "共同责任人数",
                "个人分摊扣分",
            ],
            person_rows,
            note=person_note(result),
            formats={11: "0.00"},
        ),
        _Sheet(
            "个人合计",
            ["员工", "期间", "网点代码", "网点名称", "扣分项数", "分摊扣分合计"],
            total_rows,
            note=person_note(result),
            formats={5: "0.00"},
        ),
        _Sheet(
            "处理事项",
            [
                "期间",
                "日期",
                "对象",
                "对象类型",
                "处理",
                "代码",
                "条款",
                "通报全市",
                "涉及网点",
                "依据记录",
                "规则",
                "理由",
            ],
            action_rows,
            wrap=frozenset({11}),
        ),
        _Sheet(
            "未采纳行", ["文件", "工作表", "行号", "编号", "代码", "原因", "说明"], rejected_rows, wrap=frozenset({6})
        ),
    ]
    sheets.extend(_sanction_sheets(result, labels))
    sheets.extend(_appeal_sheets(result, names, labels))
    warnings = list(getattr(result, "warnings", ()) or ())
    if warnings:
        sheets.append(
            _Sheet(
                "提示",
                ["代码", "说明", "文件", "工作表", "行号", "网点"],
                [
                    [
                        getattr(w, "code", None),
                        getattr(w, "message", str(w)),
                        getattr(w, "file", None),
                        getattr(w, "sheet", None),
                        getattr(w, "line", None),
                        getattr(w, "outlet", None),
                    ]
                    for w in warnings
                ],
                wrap=frozenset({1}),
            )
        )
    sheets.extend(_money_sheets(result, names))
    return sheets


@attrs.frozen
class MoneyColumns:
    """The money of a ranking row, where the pack has money: 扣减金额 (the card's ``amount``) when
    a rate applies, 罚款 (its ``fined``) when the pack fines; no column at all for a pack without."""

    amount: bool
    fined: bool

    @classmethod
    def of(cls, result: ScoreResult) -> MoneyColumns:
        cards = result.scorecards
        return cls(any(c.amount is not None for c in cards), any(c.fined is not None for c in cards))

    @property
    def header(self) -> list[str]:
        return [h for h, on in (("扣减金额(元)", self.amount), ("罚款(元)", self.fined)) if on]

    def cells(self, card: Scorecard) -> list[Decimal | None]:
        out = []
        for on, value in ((self.amount, card.amount), (self.fined, card.fined)):
            if on:
                out.append(Decimal(value) if value is not None else None)
        return out

    def words(self, card: Scorecard) -> list[str]:
        """The same as text for the 通报 (``—`` where the card has none)."""
        return ["—" if v is None else f"{v}" for v in self.cells(card)]


SUBJECT_WORDS = {"county": "县联社", "outlet": "网点", "employee": "员工"}


def _action_cells(a: Action, labels: DocumentLabels) -> list[Any]:
    return [
        a.period,
        a.date,
        a.subject,
        SUBJECT_WORDS.get(a.subject_type, a.subject_type),
        labels.action(a.action),
        a.action,
        labels.article(a.article) if a.article is not None else None,
        "、".join(a.outlets) if a.outlets else None,
        "、".join(a.observations),
        a.rule,
    ]


_ACTION_HEADER = ["期间", "日期", "对象", "对象类型", "处理", "代码", "条款", "涉及网点", "依据记录", "规则"]


def _sanction_sheets(result: ScoreResult, labels: DocumentLabels) -> list[_Sheet]:
    """已吸收处理事项, 已吸收罚款 and 预判处理事项 (sanction groups, open threshold windows), each only
    when the result has any: what will not be carried out, and why, beside what will."""
    sheets = []
    if result.absorbed:
        rows = []
        for a in result.absorbed:
            by = a.absorbed_by
            rows.append(
                [
                    *_action_cells(a, labels),
                    labels.action(by.action) if by is not None else None,
                    labels.rule_title(by.rule) if by is not None else None,
                    labels.rule_title(by.group) if by is not None else None,
                    a.reason,
                ]
            )
        header = [*_ACTION_HEADER, "由何处理吸收", "吸收它的规则", "从高处理组", "理由"]
        sheets.append(_Sheet("已吸收处理事项", header, rows, wrap=frozenset({len(header) - 1})))
    if result.absorbed_fines:
        rows = [
            [
                f.period,
                f.date,
                f.subject,
                SUBJECT_WORDS.get(f.subject_type, f.subject_type),
                f.outlet,
                f.rule,
                f.occurrence,
                Decimal(f.amount),
                "、".join(f.observations),
                labels.rule_title(f.absorbed_by.rule) if f.absorbed_by is not None else None,
                labels.rule_title(f.absorbed_by.group) if f.absorbed_by is not None else None,
                f.reason,
            ]
            for f in result.absorbed_fines
        ]
        header = ["期间", "日期", "对象", "对象类型", "网点代码", "罚款规则", "第几次", "金额(元)", "依据记录"]
        sheets.append(
            _Sheet(
                "已吸收罚款",
                [*header, "吸收它的罚款规则", "从高处理组", "理由"],
                rows,
                wrap=frozenset({11}),
                formats={7: "0.00"},
            )
        )
    if result.provisional:
        rows = [[*_action_cells(a, labels), a.reason] for a in result.provisional]
        sheets.append(
            _Sheet(
                "预判处理事项",
                [*_ACTION_HEADER, "理由"],
                rows,
                note="说明:下列事项所属期间尚未结束,仅为按现有记录的预判,不作为本期处理。",
                wrap=frozenset({len(_ACTION_HEADER)}),
            )
        )
    return sheets


def _money_sheets(result: ScoreResult, names: Mapping[str, str]) -> list[_Sheet]:
    """罚款 and 个人台账 (money.toml), when the result has fines or an employee ledger."""
    sheets = []
    if result.fines:
        rows = [
            [
                f.period,
                f.date,
                f.subject,
                "员工" if f.subject_type == "employee" else "网点",
                f.outlet,
                _name(names, f.outlet),
                f.rule,
                f.key,
                f.occurrence,
                Decimal(f.amount),
                "、".join(f.observations),
                "、".join(f.actions) or None,
                f.reason,
            ]
            for f in result.fines
        ]
        header = ["期间", "日期", "对象", "对象类型", "网点代码", "网点名称", "罚款规则", "同一事项", "第几次", "金额(元)"]
        sheets.append(
            _Sheet("罚款", [*header, "依据记录", "处理", "理由"], rows, wrap=frozenset({12}), formats={9: "0.00"})
        )
    if result.employees:
        rows = [
            [
                e.employee,
                e.period,
                "、".join(e.outlets),
                len(e.deductions),
                Decimal(str(e.points)),
                Decimal(e.amount) if e.amount is not None else None,
                len(e.fines),
                Decimal(e.fined) if e.fined is not None else None,
            ]
            for e in result.employees
        ]
        header = ["员工", "期间", "网点代码", "扣分项数", "扣分", "扣减金额(元)", "罚款次数", "罚款(元)"]
        sheets.append(
            _Sheet("个人台账", header, rows, note=person_note(result), formats={4: "0.00", 5: "0.00", 7: "0.00"})
        )
    return sheets


def _appeal_sheets(result: ScoreResult, names: Mapping[str, str], labels: DocumentLabels) -> list[_Sheet]:
    """The 申诉 sheet (every appealed deduction, counted or overturned, every appeal on a lapse in
    any state, and overturned lapses)
    and the 更正 sheet (records a correction replaced), each only when there is something to list."""
    rows: list[list[Any]] = []
    for c in result.scorecards:
        for d, counted in [(d, True) for d in c.deductions] + [(d, False) for d in c.overturned]:
            a = d.appeal
            if a is None:
                continue
            rows.append(
                [
                    c.period,
                    c.outlet,
                    _name(names, c.outlet),
                    c.county or UNREGISTERED,
                    "、".join(d.observations),
                    labels.article(d.article, d.section) if d.article is not None else "投诉",
                    d.original_points if d.original_points is not None else d.raw_points,
                    d.points if counted else 0,
                    a.id,
                    "已决" if a.state == "decided" else "待决",
                    APPEAL_DECISION_LABELS.get(a.decision, a.decision) if a.decision else None,
                    a.decided,
                    None,
                ]
            )
    listed = {(x.id, x.appeal.id) for x in result.lapse_appeals}
    withdrawn = {
        x.id: "、".join(f"{w.date} {w.subject} {labels.action(w.action)}" for w in x.withdrawn) or None
        for x in result.overturned_lapses
    }
    lapse_rows: list[tuple[LapseAppeal | OverturnedLapse, AppealRef]] = [(x, x.appeal) for x in result.lapse_appeals]
    lapse_rows += [(x, a) for x in result.overturned_lapses for a in x.appeals if (x.id, a.id) not in listed]
    for x, a in lapse_rows:
        rows.append(
            [
                x.period,
                None,
                None,
                x.county,
                x.id,
                "失职记录",
                None,
                None,
                a.id,
                "已决" if a.state == "decided" else "待决",
                APPEAL_DECISION_LABELS.get(a.decision, a.decision) if a.decision else None,
                a.decided,
                withdrawn.get(x.id) if a.decision == "overturned" and a.state == "decided" else None,
            ]
        )
    sheets = []
    if rows:
        sheets.append(
            _Sheet(
                "申诉",
                [
                    "期间",
                    "网点代码",
                    "网点名称",
                    "县联社",
                    "记录编号",
                    "条款",
                    "原扣分",
                    "现扣分",
                    "申诉编号",
                    "状态",
                    "处理决定",
                    "决定日期",
                    "撤销的处理事项",
                ],
                rows,
            )
        )
    if result.replaced:
        sheets.append(
            _Sheet(
                "更正",
                ["原记录编号", "更正记录编号", "现行记录编号", "文件", "工作表", "行号", "原行未采纳原因"],
                [
                    [r.id, r.by, r.current, r.file, r.sheet, r.line, rejection_label(r.rejected) if r.rejected else None]
                    for r in result.replaced
                ],
            )
        )
    return sheets


def _unscored_reason(card: Scorecard) -> str:
    return str(getattr(card, "reason", None) or "本期无检查、问题或投诉记录")


def _section_title(card: Scorecard, number: int) -> str | None:
    for s in card.sections:
        if s.number == number:
            return s.title
    return None


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(text: str) -> str:
    """Text a workbook or Word document can hold: control characters (other than tab and line
    breaks), which XML forbids, become U+FFFD."""
    return _ILLEGAL_XML.sub("\ufffd", text)


def xlsx_cell(ws: Any, value: Any) -> Any:
    """A value for a write-only sheet, safe: text stays text even when it starts with ``=`` (never
    a formula an input row smuggled in), and holds no character XML forbids."""
    if not isinstance(value, str):
        return value
    text = xml_safe(value)
    if not text.startswith("="):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    return cell


#: Column widths are fitted to the first rows (enough to be readable, cheap on large results).
_WIDTH_SAMPLE = 2000


def _cell_width(value: Any) -> int:
    if value is None:
        return 0
    return width(value if isinstance(value, str) else str(value))


def write_workbook(
    result: ScoreResult,
    path: str | os.PathLike[str],
    names: Mapping[str, str] | None = None,
    labels: DocumentLabels | None = None,
) -> None:
    """The workbook an office circulates (sheets 排名, 县联社汇总, 扣分明细, 个人扣分, 个人合计,
    处理事项, 未采纳行, 提示 when there are warnings, 罚款 and 个人台账 when the pack's money.toml has
    fines or a ledger; 已吸收处理事项, 已吸收罚款 and 预判处理事项 when a sanction group absorbed
    something or a threshold window is still open), written atomically to ``path``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for spec in _workbook_sheets(result, outlet_names(result, names), labels or DocumentLabels()):
        ws = book.create_sheet(spec.title)
        head_row = 2 if spec.note else 1
        ws.freeze_panes = f"A{head_row + 1}"
        for i, title in enumerate(spec.header):
            longest = max([_cell_width(title), *(_cell_width(r[i]) for r in spec.rows[:_WIDTH_SAMPLE])])
            ws.column_dimensions[get_column_letter(i + 1)].width = min(
                60 if i in spec.wrap else 40, max(6, longest + 2)
            )
        if spec.note:
            note = WriteOnlyCell(ws, spec.note)
            note.font = Font(italic=True)
            ws.append([note])
        cells = []
        for title in spec.header:
            cell = WriteOnlyCell(ws, title)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        for row in spec.rows:
            out: list[Any] = []
            for i, value in enumerate(row):
                if i in spec.wrap or i in spec.formats:
                    cell = WriteOnlyCell(ws, xml_safe(value) if isinstance(value, str) else value)
                    if isinstance(value, str):
                        cell.data_type = "s"
                    if i in spec.wrap:
                        cell.alignment = wrap
                    if i in spec.formats:
                        cell.number_format = spec.formats[i]
                    out.append(cell)
                else:
                    out.append(xlsx_cell(ws, value))
            ws.append(out)
    with atomic_path(path) as tmp:
        book.save(tmp)


# ---- the ranked table (CSV) -----------------------------------------------------------------


def render_ranking_csv(result: ScoreResult, names: Mapping[str, str] | None = None) -> str:
    """The 排名 sheet as CSV text (no byte-order mark; see :func:`write_ranking_csv`)."""
    sheet = _workbook_sheets(result, outlet_names(result, names), DocumentLabels())[0]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(sheet.header)
    writer.writerows([["" if v is None else v for v in row] for row in sheet.rows])
    return buf.getvalue()


def write_ranking_csv(
    result: ScoreResult, path: str | os.PathLike[str], names: Mapping[str, str] | None = None, *, bom: bool = True
) -> None:
    """The ranked table as a UTF-8 CSV, with a byte-order mark by default (so Excel on a Chinese
    system reads it as UTF-8 rather than GB18030), written atomically."""
    text = render_ranking_csv(result, names)
    write_atomic(path, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


# ---- the 通报 ---------------------------------------------------------------------------------


@attrs.frozen
class _Heading:
    level: int
    text: str


@attrs.frozen
class _Para:
    text: str


@attrs.frozen
class _Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[int] = frozenset()


@attrs.frozen
class _List:
    items: tuple[str, ...]
    ordered: bool = True


_Block = _Heading | _Para | _Table | _List


def _num(value: int | Decimal | None) -> str:
    return "—" if value is None else str(value)


def _outlet_words(card: Scorecard, names: Mapping[str, str]) -> str:
    return _outlet_words_of(card.outlet, names)


def _outlet_words_of(outlet: str, names: Mapping[str, str]) -> str:
    name = names.get(outlet)
    return f"{name}({outlet})" if name else outlet


def _deduction_words(card: Scorecard, labels: DocumentLabels) -> str:
    parts = []
    for d in card.deductions:
        where = labels.article(d.article) if d.article is not None else "客户投诉"
        parts.append(f"{where}扣{d.points}分{_appeal_words(d)}")
    words = "、".join(parts) if parts else "无扣分"
    if getattr(card, "rejections", 0):
        words += f"(另有{card.rejections}条涉及本网点的记录未采纳,得分待核)"
    return words


def _appeal_words(d: Deduction) -> str:
    """What a reader of the 通报 needs beside a deduction: a pending appeal, or an amendment."""
    a = d.appeal
    if a is None:
        return ""
    if a.state != "decided":
        return "(申诉待决)"
    if a.decision == "amended":
        return f"(经申诉由{d.original_points}分改为{d.points}分)"
    return ""


def _unattributed_words(result: ScoreResult) -> list[str]:
    """The rejected lines naming no outlet, said truthfully: those naming no county either (which
    outlet's score they touch cannot be known) apart from those naming a county only (an appeal
    against a county's lapse concerns the county, not an outlet)."""
    rejected = result.rejected
    unknown = sum(1 for r in rejected if r.outlet is None and r.county is None)
    counties = sorted({r.county for r in rejected if r.outlet is None and r.county is not None})
    county_only = sum(1 for r in rejected if r.outlet is None and r.county is not None)
    words = []
    if unknown:
        words.append(f"其中{unknown}条未能读出所涉网点,无法判断影响哪个网点的评分。")
    if county_only:
        words.append(f"另有{county_only}条所涉为县联社({'、'.join(counties)})而非网点(如对失职记录的申诉)。")
    if words:
        words[-1] = words[-1].removesuffix("。") + ";涉及网点的未采纳记录已在相应网点标明。"
    return words


def _overturned_blocks(result: ScoreResult, names: Mapping[str, str], labels: DocumentLabels) -> list[_Block]:
    """The period's deductions and lapses overturned on appeal: not counted, and said so."""
    items = []
    for c in result.scorecards:
        for d in c.overturned:
            where = labels.article(d.article) if d.article is not None else "客户投诉"
            a = d.appeal
            when = f",{date_words(a.decided)}撤销" if a is not None and a.decided else ""
            appeal = f"(申诉{a.id}{when})" if a is not None else ""
            items.append(
                f"{_outlet_words(c, names)},{period_words(c.period)}{where}扣{d.points}分{appeal}:{d.reason}"
            )
    for x in result.overturned_lapses:
        ids = "、".join(a.id + (f",{date_words(a.decided)}撤销" if a.decided else "") for a in x.appeals)
        items.append(f"{x.county},{date_words(x.date)}失职记录 {x.id}(申诉{ids}):经申诉撤销,不再计次")
    if not items:
        return []
    return [_Para("经申诉撤销、不计入得分和计次的扣分与失职:"), _List(tuple(items), ordered=False)]


def _withdrawn_items(result: ScoreResult, labels: DocumentLabels) -> tuple[str, ...]:
    """The actions an overturned lapse had led to, now withdrawn: 撤销:who:what (when, why)."""
    items = []
    for x in result.overturned_lapses:
        ids = "、".join(a.id for a in x.appeals)
        for a in x.withdrawn:
            who = {"employee": "员工", "outlet": "网点"}.get(a.subject_type, "") + a.subject
            items.append(
                f"撤销:{who}:{labels.action(a.action)}(原于{date_words(a.date)}作出;"
                f"失职记录 {x.id} 经申诉{ids}撤销)。{a.reason}"
            )
    return tuple(items)


def bulletin_blocks(result: ScoreResult, names: Mapping[str, str], labels: DocumentLabels) -> list[_Block]:
    """The 通报, as headings, paragraphs, tables and lists (rendered to Markdown or Word)."""
    blocks: list[_Block] = []
    ps = periods(result)
    when = period_words(result.period) if result.period else "、".join(period_words(p) for p in ps) or "本期"
    title = labels.title or f"{result.pack.name}规则"
    blocks.append(_Heading(1, f"关于{when}优质文明服务检查情况的通报"))
    blocks.append(
        _Para(
            f"根据《{title}》(规则包 {result.pack.name} {result.pack.version}),"
            f"现将{when}优质文明服务检查评分情况通报如下。数据截至{date_words(result.as_of)}。"
        )
    )
    cards = list(result.scorecards)
    known = list(labels.amendments)  # in date order
    amended = sorted({v for c in cards for v in c.versions}, key=lambda v: (v not in known, known.index(v) if v in known else 0, v))
    if amended:  # a pack with dated amendments: each finding by the text in force on its day
        which = "、".join(f"修订 {v}" + (f"({labels.amendments[v]})" if v in known else "") for v in amended)
        blocks.append(_Para(f"本期评分适用{which};各项问题按其发生之日施行的条文评定,各章分值按期末施行的条文。"))
    scored = [c for c in cards if is_scored(c)]
    counties = {c.county for c in cards}
    deductions = [d for c in cards for d in c.deductions]

    blocks.append(_Heading(2, "一、基本情况"))
    # Where a registry is given, a code no registration knows and nothing scores (a mistyped
    # outlet on rejected rows) is not an outlet of the union: counted apart, never as one.
    registered = any(c.county for c in cards)
    strays = {c.outlet for c in cards if registered and not c.county and not is_scored(c)}
    text = (
        f"本期共涉及{len([x for x in counties if x])}个县联社的{len({c.outlet for c in cards} - strays)}个营业网点,"
        f"评分{len(scored)}个"
    )
    if strays:
        text += f"(另有未登记的网点代码{len(strays)}个:{'、'.join(sorted(strays))},只见于未采纳的记录,可能录入错误)"
    unscored = len({c.outlet for c in cards if not is_scored(c)} - strays)
    if unscored:
        text += f"(另有{unscored}个网点本期未评分,不参加排名)"
    text += f";共扣分{len(deductions)}项,合计扣{sum(d.points for d in deductions)}分"
    money = MoneyColumns.of(result)
    if money.amount:
        text += f",扣减金额合计{sum((Decimal(c.amount) for c in cards if c.amount is not None), Decimal('0.00'))}元"
    if money.fined or result.fines:
        fined = sum((Decimal(f.amount) for f in result.fines), Decimal("0.00"))
        text += f",罚款{len(result.fines)}笔合计{fined}元"
    if scored:
        average = (Decimal(sum(c.total or 0 for c in scored)) / len(scored)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        text += f",平均得分{average}分"
    text += "。"
    read = result.accepted + len(result.rejected) + sum(i.replaced for i in result.inputs)
    if result.rejected:
        text += f"共读入记录{read}条,采纳{result.accepted}条,未采纳{len(result.rejected)}条(见第五部分)。"
    else:
        text += f"共读入记录{read}条,全部采纳。"
    unread = [i for i in result.inputs if i.problem is not None]
    if unread:
        where = "、".join(f"{i.file}" + (f"“{i.sheet}”" if i.sheet else "") for i in unread)
        text += f"另有{len(unread)}个工作表({where})未能读取,其内容全部未计入,本通报的评分和排名可能不完整(见第五部分)。"
    touched = [c for c in cards if getattr(c, "rejections", 0)]
    if touched:
        text += (
            f"有{len(touched)}个网点涉及未采纳的记录("
            + "、".join(f"{_outlet_words(c, names)}:{c.rejections}条" for c in touched)
            + "),其得分可能因此偏高,请核对后更正。"
        )
    blocks.append(_Para(text))

    blocks.append(_Heading(2, "二、各县联社情况"))
    summary = county_summary(result)
    multi = len(ps) > 1
    header = ("县联社", "网点数", "已检查", "平均分", "最低分", "最高分", "扣分合计", "处理事项")
    rows = [
        (
            *((period_words(s.period),) if multi else ()),
            s.county or UNREGISTERED,
            str(s.outlets),
            str(s.inspected),
            _num(s.average),
            _num(s.lowest),
            _num(s.highest),
            str(s.deducted),
            str(s.actions),
        )
        for s in summary
    ]
    blocks.append(_Table((("期间",) if multi else ()) + header, tuple(rows), frozenset(range(1 + multi, 8 + multi))))
    blocks.append(_Para("注:平均分、最低分、最高分只计已评分网点;处理事项为本期对该县联社作出的处理。"))

    blocks.append(_Heading(2, "三、网点得分情况"))
    ranked = ranking(result)
    for period in ps:
        mine = [r for r in ranked if r.card.period == period and r.rank is not None]
        if multi:
            blocks.append(_Heading(3, period_words(period)))
        k = min(5, max(1, len(mine) // 2))
        if not mine:
            blocks.append(_Para("本期无已评分网点。"))
            continue
        best, worst = mine[:k], (mine[-k:][::-1] if len(mine) > 1 else [])
        head = ("名次", "网点", "县联社", "总分", *money.header, "扣分情况")

        def row(r: Ranked) -> tuple[str, ...]:
            c = r.card
            return (
                str(r.rank),
                _outlet_words(c, names),
                c.county or UNREGISTERED,
                _num(c.total),
                *money.words(c),
                _deduction_words(c, labels),
            )

        blocks.append(_Para(f"得分较高的网点({len(best)}个):"))
        right = frozenset({0, 3, *range(4, 4 + len(money.header))})
        blocks.append(_Table(head, tuple(row(r) for r in best), right))
        if worst:
            blocks.append(_Para(f"得分较低的网点({len(worst)}个):"))
            blocks.append(_Table(head, tuple(row(r) for r in worst), right))
        missing = [r.card for r in ranked if r.card.period == period and r.rank is None]
        if missing:
            blocks.append(
                _Para(
                    "未评分、不参加排名的网点:"
                    + "、".join(f"{_outlet_words(c, names)}({_unscored_reason(c)})" for c in missing)
                    + "。"
                )
            )
    by_article: dict[tuple[int, int | None], list[Deduction]] = {}
    for d in deductions:
        by_article.setdefault((d.section, d.article), []).append(d)
    if by_article:
        common = sorted(by_article.items(), key=lambda kv: (-sum(d.points for d in kv[1]), kv[0][0], kv[0][1] or 0))
        blocks.append(_Para("扣分较多的条款:"))
        blocks.append(
            _List(
                tuple(
                    f"{labels.article(a) if a is not None else '客户投诉(' + labels.article(None, s) + ')'}:"
                    f"{len(ds)}次,扣{sum(d.points for d in ds)}分"
                    for (s, a), ds in common[:5]
                ),
                ordered=False,
            )
        )

    blocks.extend(_overturned_blocks(result, names, labels))

    blocks.append(_Heading(2, "四、处理事项"))
    if result.actions:
        items = []
        waits = {x.id: x.appeal.id for x in result.lapse_appeals if x.appeal.state != "decided"}
        for a in sorted(result.actions, key=lambda a: (a.date, a.subject, a.action)):
            basis = f"依据{labels.article(a.article)}" if a.article is not None else "依据规则"
            if a.period not in ps:
                basis = f"{period_words(a.period)}事项,{basis}"
            flag = ",通报全市" if a.circulate else ""
            flag += "".join(f",失职记录{o}申诉{waits[o]}待决" for o in a.observations if o in waits)
            who = {"employee": "员工", "outlet": "网点"}.get(a.subject_type, "") + a.subject
            items.append(f"{who}:{labels.action(a.action)}({basis},{date_words(a.date)}{flag})。{a.reason}")
        blocks.append(_List(tuple(items)))
    else:
        blocks.append(_Para("本期无处理事项。"))
    withdrawn = _withdrawn_items(result, labels)
    if withdrawn:
        blocks.append(_Para("经申诉撤销失职记录而撤销的处理事项(原已作出,现不再执行):"))
        blocks.append(_List(withdrawn, ordered=False))
    if result.fines:
        total = sum((Decimal(f.amount) for f in result.fines), Decimal("0.00"))
        blocks.append(_Para(f"罚款{len(result.fines)}笔,合计{total}元:"))
        blocks.append(
            _List(
                tuple(
                    f"{SUBJECT_WORDS.get(f.subject_type, '')}{f.subject}:第{f.occurrence}次,罚款{f.amount}元"
                    f"({_outlet_words_of(f.outlet, names)},{date_words(f.date)})。{f.reason}"
                    for f in sorted(result.fines, key=lambda f: (f.date, f.subject, f.rule, f.occurrence))
                )
            )
        )
    if result.absorbed:
        blocks.append(_Para("按最高标准执行、不重复处理,下列事项已由同一对象同期、同一事实更重的处理吸收,不再执行:"))
        blocks.append(
            _List(
                tuple(
                    f"{SUBJECT_WORDS.get(a.subject_type, '') if a.subject_type != 'county' else ''}{a.subject}:"
                    f"{labels.action(a.action)}"
                    + (
                        f"({absorbed_words(a.absorbed_by, labels.action_labels, labels.rule_titles)})"
                        if a.absorbed_by is not None
                        else ""
                    )
                    + f"。{a.reason}"
                    for a in result.absorbed
                )
            )
        )
    if result.absorbed_fines:
        blocks.append(_Para("按最高标准执行、不重复处罚,下列罚款已由同一对象同期、同一事实更重的罚款吸收,不再执行:"))
        blocks.append(
            _List(
                tuple(
                    f"{SUBJECT_WORDS.get(f.subject_type, '')}{f.subject}:罚款{f.amount}元({date_words(f.date)}"
                    + (
                        f",{absorbed_words(f.absorbed_by, labels.action_labels, labels.rule_titles, fine=True)}"
                        if f.absorbed_by is not None
                        else ""
                    )
                    + f")。{f.reason}"
                    for f in result.absorbed_fines
                )
            )
        )
    if result.provisional:
        blocks.append(_Para("下列事项所属期间尚未结束,仅为按现有记录的预判,不作为本期处理:"))
        blocks.append(
            _List(
                tuple(
                    f"{SUBJECT_WORDS.get(a.subject_type, '') if a.subject_type != 'county' else ''}{a.subject}:"
                    f"{labels.action(a.action)}({date_words(a.date)}期满)。{a.reason}"
                    for a in result.provisional
                )
            )
        )

    blocks.append(_Heading(2, "五、数据说明"))
    notes = []
    for i in result.inputs:
        where = i.file + (f"“{i.sheet}”" if i.sheet else "")
        if i.problem:
            notes.append(f"{where}:未读取({i.problem})。")
            continue
        fixed = f",被更正{i.replaced}条" if i.replaced else ""
        notes.append(
            f"{where}:读入{i.accepted + i.rejected + i.replaced}条,采纳{i.accepted}条,未采纳{i.rejected}条{fixed},"
            f"空行{i.blank}行。"
        )
    if result.rejected:
        by_code: dict[str, list[str]] = {}
        for r in result.rejected:
            sheet = getattr(r, "sheet", None)
            where = f"{r.file}" + (f"“{sheet}”" if sheet else "") + f"第{r.line}行"
            by_code.setdefault(r.code, []).append(where)
        for code, wheres in sorted(by_code.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = "、".join(wheres[:5]) + ("等" if len(wheres) > 5 else "")
            notes.append(f"未采纳:{rejection_label(code)}({code}){len(wheres)}条({shown})。")
        notes += _unattributed_words(result)
    pending = sorted(i for c in cards for i in c.pending)
    dismissed = sorted(i for c in cards for i in c.dismissed)
    if pending:
        if labels.pending == "complaint":
            notes.append(f"待核实的投诉{len(pending)}件({'、'.join(pending)}),核实前暂不扣分。")
        else:
            notes.append(f"待定的记录{len(pending)}条({'、'.join(pending)}),情况明确前暂不扣分。")
    if dismissed:
        notes.append(dismissed_words(labels.dismissed, dismissed))
    waiting = sorted(
        (d.appeal.id, "、".join(d.observations))
        for c in cards
        for d in c.deductions
        if d.appeal is not None and d.appeal.state != "decided"
    )
    on_lapses = sorted((x.appeal.id, x.id) for x in result.lapse_appeals if x.appeal.state != "decided")
    if waiting or on_lapses:
        shown = "、".join(f"{aid}(针对{obs})" for aid, obs in waiting + on_lapses)
        kept = "原扣分" if not on_lapses else "原计次" if not waiting else "原扣分和原计次"
        notes.append(f"尚未决定的申诉{len(waiting) + len(on_lapses)}件({shown}),决定前暂按{kept}计。")
    if result.replaced:
        shown = "、".join(f"{r.id}由{r.by}更正" for r in result.replaced)
        notes.append(f"更正记录{len(result.replaced)}条({shown}),原记录不再适用,以更正后的记录为准。")
    for w in result.warnings:
        where = (w.file or "") + (f"“{w.sheet}”" if w.sheet else "") + (f"第{w.line}行" if w.line else "")
        notes.append(f"提示:{where + ':' if where else ''}{w.message}")
    blocks.append(_List(tuple(notes), ordered=False))
    blocks.append(
        _Para(
            f"本通报由 service-rules 按规则包 {result.pack.name} {result.pack.version}"
            f"({result.pack.digest[:19]})生成;各网点扣分明细、个人扣分及未采纳记录见同期工作簿。"
        )
    )
    return blocks


def _safe_block(b: _Block) -> _Block:
    if isinstance(b, (_Heading, _Para)):
        return attrs.evolve(b, text=xml_safe(b.text))
    if isinstance(b, _Table):
        return attrs.evolve(b, rows=tuple(tuple(xml_safe(c) for c in row) for row in b.rows))
    return attrs.evolve(b, items=tuple(xml_safe(i) for i in b.items))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(blocks: Sequence[_Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, _Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, _Para):
            out += [b.text, ""]
        elif isinstance(b, _Table):
            out.append("| " + " | ".join(b.header) + " |")
            out.append("| " + " | ".join("---:" if i in b.right else "---" for i in range(len(b.header))) + " |")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        else:
            out += [(f"{i}. " if b.ordered else "- ") + item for i, item in enumerate(b.items, 1)]
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_bulletin(
    result: ScoreResult, names: Mapping[str, str] | None = None, labels: DocumentLabels | None = None
) -> str:
    """The quarter's 通报 in Markdown: period and scope, the county summary, the best and worst
    outlets, the sanctions with their articles, and how many rows were rejected and why."""
    return _markdown(bulletin_blocks(result, outlet_names(result, names), labels or DocumentLabels()))


def write_bulletin_docx(
    result: ScoreResult,
    path: str | os.PathLike[str],
    names: Mapping[str, str] | None = None,
    labels: DocumentLabels | None = None,
) -> None:
    """The same 通报 as a Word document, written atomically."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    document = docx.Document()
    normal = document.styles["Normal"]
    rpr = normal.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for b in map(_safe_block, bulletin_blocks(result, outlet_names(result, names), labels or DocumentLabels())):
        if isinstance(b, _Heading):
            heading = document.add_heading(b.text, level=b.level)
            if b.level == 1:
                heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(b, _Para):
            document.add_paragraph(b.text)
        elif isinstance(b, _Table):
            table = document.add_table(rows=1 + len(b.rows), cols=len(b.header))
            table.style = "Table Grid"
            for i, title in enumerate(b.header):
                table.cell(0, i).text = title
                for run in table.cell(0, i).paragraphs[0].runs:
                    run.bold = True
            for r, row in enumerate(b.rows, 1):
                for i, text in enumerate(row):
                    cell = table.cell(r, i)
                    cell.text = text
                    if i in b.right:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            style = "List Number" if b.ordered else "List Bullet"
            for item in b.items:
                document.add_paragraph(item, style=style)
    with atomic_path(path) as tmp:
        document.save(str(tmp))

