"""Two packs, one set of observations: what changes, where, and which rules caused it.

:func:`diff_packs` scores the same input under an old and a new pack (the ``service-rules
diff OLD NEW --observations FILE...`` command) and compares the two results scorecard by
scorecard (outlet and period), section by section and, inside a section, rule by rule.
:func:`render_diff_markdown` turns the comparison into a Chinese summary a reviewer can paste
into a pull request.

What counts as a change:

* a scorecard present under one pack only (its other total is ``None``): every section of it
  is listed, the missing side ``None``;
* a section whose score differs, or that one pack scores and the other does not;
* a section whose score is the same but whose deductions moved: an observation deducted under
  another rule or for other points (a rename, or a change a floor absorbed).

Only the rule and the points of each deduction are compared; wording (``reason``, ``note``),
``provenance`` and ``layer`` are not.

Money (money.toml) is compared too: a scorecard whose ``amount`` (yuan of its deductions) or
``fined`` (yuan of the fines for its observations) differs is a changed scorecard even if its
points did not move; fines (``fines[]``) and absorbed fines (``absorbed_fines[]``) are compared
whole like actions (one whose amount or reason changed shows as removed and added), and so are
absorbed actions (``absorbed[]``); the employee ledger (``employees[]``) is compared entry by
entry (employee and period: points, amount, fined).

The input is read once per pack. Files given by path are read twice and must not change in
between (their digests are compared); standard input, binary streams and :class:`Records`
built from a one-shot iterator are held in memory for the second reading.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias, Union

import attrs

from ._amendments import split_reference
from ._compiler import CompiledPack
from ._errors import InputFileError, UsageError
from ._evaluate import as_compiled, as_date, score
from ._ingest import Records, Source
from ._model import Pack
from ._report import escape, section_name
from ._results import (
    Action,
    Deduction,
    EmployeeAccount,
    Fine,
    InputSummary,
    PackRef,
    Rejection,
    Scorecard,
    ScoreResult,
    results_converter,
)

# ---- results ------------------------------------------------------------------------------


@attrs.frozen
class RuleEffect:
    """What one rule deducted in one section of one scorecard under each pack.

    ``points_old``/``points_new`` add up the rule's deductions in the section (0 where the rule
    deducted nothing there); ``delta`` is ``points_new - points_old`` (more deducted: positive,
    the score drops). ``observations`` are the ids whose deduction under this rule changed
    (appeared, disappeared, or changed points), sorted. An observation that moved from rule A
    to rule B shows in two effects, one per rule.
    """

    rule: str
    points_old: int
    points_new: int
    delta: int
    observations: tuple[str, ...]


@attrs.frozen
class SectionChange:
    """One section of one scorecard whose score or deductions changed.

    ``score_old``/``score_new`` are ``None`` where that pack does not score the section (or
    the scorecard is absent under it); ``delta`` is then ``None`` too.
    """

    number: int
    title: str | None
    score_old: int | None
    score_new: int | None
    delta: int | None
    rules: tuple[RuleEffect, ...]


@attrs.frozen
class OutletChange:
    """One scorecard (outlet and period) that changed.

    ``total_old``/``total_new`` are ``None`` where the scorecard exists under one pack only
    (for instance when the other pack rejects the outlet's only finding); ``delta`` is then
    ``None``.
    """

    outlet: str
    county: str | None
    period: str
    total_old: int | None
    total_new: int | None
    delta: int | None
    sections: tuple[SectionChange, ...]
    #: The total is the same under both packs; only section scores or deductions moved
    #: (points from one section to another, an observation deducted under another rule).
    rearranged: bool = False
    #: The card's yuan (``amount``) and fines (``fined``) under each pack (money.toml; null
    #: without money). A card whose scores are the same but whose money differs is listed too.
    amount_old: str | None = None
    amount_new: str | None = None
    fined_old: str | None = None
    fined_new: str | None = None

    @property
    def money_changed(self) -> bool:
        """True when the card's deducted or fined yuan differ between the packs."""
        return self.amount_old != self.amount_new or self.fined_old != self.fined_new

    @property
    def money_only(self) -> bool:
        """The scores are the same; only the money (rates, fines) changed."""
        return not self.sections and self.total_old == self.total_new


@attrs.frozen
class EmployeeChange:
    """One employee's period in the ledger (``employees[]``) that differs between the packs:
    points, yuan of deductions (``amount``) and yuan of fines (``fined``) under each; all three
    null on the side where the employee has no entry for the period."""

    employee: str
    period: str
    points_old: int | str | None
    points_new: int | str | None
    amount_old: str | None
    amount_new: str | None
    fined_old: str | None
    fined_new: str | None


@attrs.frozen
class PackDiff:
    """The comparison of two scoring runs of the same input.

    ``inputs`` are the new run's summaries; ``outlets_compared`` counts the scorecards (outlet
    and period) of either run; ``changed`` lists only the changed ones, by period, outlet (those
    whose total stayed the same say ``rearranged``).
    ``newly_rejected`` are lines the new pack rejects that the old one accepted (as the new run
    reports them); ``newly_accepted`` lines the old pack rejected that the new one accepts (as
    the old run reported them). Actions are compared whole: one whose reason changed shows as
    removed and added.
    """

    old: PackRef
    new: PackRef
    as_of: str
    period: str | None
    inputs: tuple[InputSummary, ...]
    outlets_compared: int
    changed: tuple[OutletChange, ...]
    rejected_old: int
    rejected_new: int
    newly_rejected: tuple[Rejection, ...]
    newly_accepted: tuple[Rejection, ...]
    actions_added: tuple[Action, ...]
    actions_removed: tuple[Action, ...]
    #: Rejected lines naming no readable outlet, under each pack.
    unattributed_old: int = 0
    unattributed_new: int = 0
    #: Fines (``fines[]``) levied under one pack only, compared whole like actions.
    fines_added: tuple[Fine, ...] = ()
    fines_removed: tuple[Fine, ...] = ()
    #: Fines a sanction group absorbed (``absorbed_fines[]``) under one pack only.
    absorbed_fines_added: tuple[Fine, ...] = ()
    absorbed_fines_removed: tuple[Fine, ...] = ()
    #: Actions a sanction group absorbed (``absorbed[]``) under one pack only.
    absorbed_added: tuple[Action, ...] = ()
    absorbed_removed: tuple[Action, ...] = ()
    #: Employee ledger entries (employee and period) whose points or money differ.
    employees_changed: tuple[EmployeeChange, ...] = ()
    #: The day each side's text is in force on, when a pack was named with ``@YYYY-MM-DD``
    #: (``cangzhou@2026-08-09``); null otherwise.
    old_day: str | None = None
    new_day: str | None = None

    @property
    def money_changed(self) -> bool:
        """True when any yuan differs: a scorecard's amount or fined, a fine, an employee's ledger."""
        return bool(
            any(c.money_changed for c in self.changed)
            or self.fines_added
            or self.fines_removed
            or self.absorbed_fines_added
            or self.absorbed_fines_removed
            or self.employees_changed
        )

    @property
    def empty(self) -> bool:
        """True when the two packs score this input identically (scores, money, rejections, actions)."""
        return not (
            self.changed
            or self.newly_rejected
            or self.newly_accepted
            or self.actions_added
            or self.actions_removed
            or self.absorbed_added
            or self.absorbed_removed
            or self.fines_added
            or self.fines_removed
            or self.absorbed_fines_added
            or self.absorbed_fines_removed
            or self.employees_changed
        )

    @property
    def compared_both(self) -> int:
        """Scorecards present under both packs."""
        return self.outlets_compared - sum(1 for c in self.changed if c.delta is None)

    @property
    def points_moved(self) -> int:
        """The sum of ``|delta|`` over scorecards present under both packs."""
        return sum(abs(c.delta) for c in self.changed if c.delta is not None)

    @property
    def net_change(self) -> int:
        """The sum of the total changes over scorecards present under both packs."""
        return sum(c.delta for c in self.changed if c.delta is not None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (tuples become lists)."""
        data: dict[str, Any] = results_converter.unstructure(self)
        return data


# ---- comparing ----------------------------------------------------------------------------


class _NamedBytes(io.BytesIO):
    """Buffered input, read again under the second pack with the name it was given."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


@attrs.frozen
class _Buffered:
    data: bytes
    name: str


_Prepared: TypeAlias = Union[Source, Records, _Buffered]


def _prepare(inputs: Sequence[Source | Records]) -> list[_Prepared]:
    """Make every input readable twice: one-shot sources are held in memory."""
    out: list[_Prepared] = []
    for source in inputs:
        if isinstance(source, Records):
            records = source.records
            if not isinstance(records, (list, tuple)):
                source = Records(list(records), source.name)
            out.append(source)
        elif isinstance(source, (str, os.PathLike)):
            if os.fspath(source) == "-":
                out.append(_Buffered(sys.stdin.buffer.read(), "-"))
            else:
                out.append(source)
        elif isinstance(source, io.TextIOBase):
            raise UsageError("open input files in binary mode ('rb')")
        else:
            name = getattr(source, "name", "<stream>")
            try:
                data = source.read()
            except OSError as exc:
                raise InputFileError(f"cannot read {name}: {exc}") from exc
            out.append(_Buffered(bytes(data), str(name)))
    return out


def _fresh(prepared: list[_Prepared]) -> list[Source | Records]:
    return [_NamedBytes(p.data, p.name) if isinstance(p, _Buffered) else p for p in prepared]


def diff_packs(
    old: CompiledPack | Pack | str | os.PathLike[str],
    new: CompiledPack | Pack | str | os.PathLike[str],
    inputs: Sequence[Source | Records],
    *,
    period: str | None = None,
    as_of: _dt.date | str | None = None,
) -> PackDiff:
    """Score ``inputs`` under ``old`` and ``new`` and compare the results.

    ``inputs``, ``period`` and ``as_of`` are as for :func:`score`; ``as_of`` is resolved once
    (a ``datetime`` counts as its date), so both runs judge deadlines on the same day. Raises :class:`InputFileError` if a file
    changed between the two readings.
    """
    old_pack, new_pack = as_compiled(old), as_compiled(new)
    periods = (old_pack.pack.meta.period, new_pack.pack.meta.period)
    if periods[0] != periods[1]:
        raise UsageError(
            f"两个规则包的计分期间不同(旧包 period = {periods[0]},新包 period = {periods[1]}),"
            "评分卡无法逐一比较"
        )
    day = as_date(as_of)
    if isinstance(day, _dt.datetime):  # a date subclass score() would accept, then fail to compare
        day = day.date()
    prepared = _prepare(inputs)
    old_result = score(old_pack, _fresh(prepared), period=period, as_of=day)
    new_result = score(new_pack, _fresh(prepared), period=period, as_of=day)
    return attrs.evolve(compare_results(old_result, new_result), old_day=_day_of(old), new_day=_day_of(new))


def _day_of(ref: object) -> str | None:
    """The day a pack reference names (``cangzhou@2026-08-09``), or None."""
    return split_reference(ref)[1] if isinstance(ref, str) else None


def compare_results(old: ScoreResult, new: ScoreResult) -> PackDiff:
    """Compare two results of the same input (see :func:`diff_packs`)."""
    _check_same_input(old, new)
    old_cards = {(c.period, c.outlet): c for c in old.scorecards}
    new_cards = {(c.period, c.outlet): c for c in new.scorecards}
    keys = sorted(old_cards.keys() | new_cards.keys())
    changed = []
    for key in keys:
        change = _card_change(old_cards.get(key), new_cards.get(key))
        if change is not None:
            changed.append(change)
    newly_rejected, newly_accepted = _rejection_changes(old.rejected, new.rejected)
    added, removed = _multiset_changes(old.actions, new.actions)
    absorbed_added, absorbed_removed = _multiset_changes(old.absorbed, new.absorbed)
    fines_added, fines_removed = _fine_changes(old.fines, new.fines)
    absorbed_fines_added, absorbed_fines_removed = _fine_changes(old.absorbed_fines, new.absorbed_fines)
    return PackDiff(
        old=old.pack,
        new=new.pack,
        as_of=new.as_of,
        period=new.period,
        inputs=new.inputs,
        outlets_compared=len(keys),
        changed=tuple(changed),
        rejected_old=len(old.rejected),
        rejected_new=len(new.rejected),
        newly_rejected=newly_rejected,
        newly_accepted=newly_accepted,
        actions_added=added,
        actions_removed=removed,
        unattributed_old=old.unattributed,
        unattributed_new=new.unattributed,
        fines_added=fines_added,
        fines_removed=fines_removed,
        absorbed_fines_added=absorbed_fines_added,
        absorbed_fines_removed=absorbed_fines_removed,
        absorbed_added=absorbed_added,
        absorbed_removed=absorbed_removed,
        employees_changed=_employee_changes(old.employees, new.employees),
    )


def _check_same_input(old: ScoreResult, new: ScoreResult) -> None:
    if old.as_of != new.as_of or old.period != new.period:
        raise UsageError("the two results were scored with different as_of or period; they cannot be compared")
    if len(old.inputs) != len(new.inputs):
        raise UsageError("the two results were scored from different inputs")
    for a, b in zip(old.inputs, new.inputs, strict=True):
        if (a.file, a.sha256, a.lines) != (b.file, b.sha256, b.lines):
            raise InputFileError(
                f"{b.file} changed between the two readings; diff needs the same input under both packs"
            )


def _by_rule(deductions: Iterable[Deduction]) -> dict[tuple[int, str], dict[str, int]]:
    """(section, rule) → observation id → points."""
    out: defaultdict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for d in deductions:
        points = out[(d.section, d.rule)]
        for obs in d.observations:
            points[obs] = points.get(obs, 0) + d.points
    return out


def _rule_effects(old: Scorecard | None, new: Scorecard | None) -> dict[int, list[RuleEffect]]:
    before = _by_rule(old.deductions if old else ())
    after = _by_rule(new.deductions if new else ())
    effects: defaultdict[int, list[RuleEffect]] = defaultdict(list)
    for section, rule in sorted(before.keys() | after.keys()):
        o, n = before.get((section, rule), {}), after.get((section, rule), {})
        moved = tuple(sorted(obs for obs in o.keys() | n.keys() if o.get(obs) != n.get(obs)))
        if moved:
            po, pn = sum(o.values()), sum(n.values())
            effects[section].append(RuleEffect(rule, po, pn, pn - po, moved))
    return effects


def _card_change(old: Scorecard | None, new: Scorecard | None) -> OutletChange | None:
    card = new if new is not None else old
    assert card is not None
    effects = _rule_effects(old, new)
    # a scorecard without a score (nothing accepted in its period) compares like an absent one
    old_sections = {s.number: s for s in old.sections} if old and old.scored else {}
    new_sections = {s.number: s for s in new.sections} if new and new.scored else {}
    sections = []
    for number in sorted(old_sections.keys() | new_sections.keys() | effects.keys()):
        so, sn = old_sections.get(number), new_sections.get(number)
        score_old = so.score if so else None
        score_new = sn.score if sn else None
        rules = tuple(effects.get(number, ()))
        if score_old == score_new and score_old is not None and not rules:
            continue
        delta = score_new - score_old if score_old is not None and score_new is not None else None
        title = sn.title if sn else so.title if so else None
        sections.append(SectionChange(number, title, score_old, score_new, delta, rules))
    total_old = old.total if old else None
    total_new = new.total if new else None
    money_old = (old.amount, old.fined) if old else (None, None)
    money_new = (new.amount, new.fined) if new else (None, None)
    if not sections and total_old == total_new and money_old == money_new:
        return None
    county = new.county if new is not None and new.county is not None else old.county if old else None
    return OutletChange(
        outlet=card.outlet,
        county=county,
        period=card.period,
        total_old=total_old,
        total_new=total_new,
        delta=total_new - total_old if total_old is not None and total_new is not None else None,
        sections=tuple(sections),
        rearranged=total_old is not None and total_old == total_new and bool(sections),
        amount_old=money_old[0],
        amount_new=money_new[0],
        fined_old=money_old[1],
        fined_new=money_new[1],
    )


def _rejection_changes(
    old: Sequence[Rejection], new: Sequence[Rejection]
) -> tuple[tuple[Rejection, ...], tuple[Rejection, ...]]:
    """Lines rejected by one run only, keyed by (file, line) (a file given twice counts twice)."""
    old_keys = Counter((r.file, r.line) for r in old)
    new_keys = Counter((r.file, r.line) for r in new)

    def only(rejections: Sequence[Rejection], other: Counter[tuple[str, int]]) -> tuple[Rejection, ...]:
        left = Counter(other)
        out = []
        for r in rejections:
            key = (r.file, r.line)
            if left[key] > 0:
                left[key] -= 1
            else:
                out.append(r)
        return tuple(out)

    return only(new, old_keys), only(old, new_keys)


def _multiset_changes(old: Sequence[Action], new: Sequence[Action]) -> tuple[tuple[Action, ...], tuple[Action, ...]]:
    """(added, removed), each in its run's order. An action's ``rejections`` count is not part
    of the comparison: the lines behind a changed count are listed as newly rejected or accepted."""

    def only(items: Sequence[Action], other: Sequence[Action]) -> tuple[Action, ...]:
        left = Counter(attrs.evolve(a, rejections=0) for a in other)
        out = []
        for item in items:
            key = attrs.evolve(item, rejections=0)
            if left[key] > 0:
                left[key] -= 1
            else:
                out.append(item)
        return tuple(out)

    return only(new, old), only(old, new)


def _fine_changes(old: Sequence[Fine], new: Sequence[Fine]) -> tuple[tuple[Fine, ...], tuple[Fine, ...]]:
    """(added, removed) fines, compared whole, each in its run's order."""

    def only(items: Sequence[Fine], other: Sequence[Fine]) -> tuple[Fine, ...]:
        left = Counter(other)
        out = []
        for item in items:
            if left[item] > 0:
                left[item] -= 1
            else:
                out.append(item)
        return tuple(out)

    return only(new, old), only(old, new)


def _employee_changes(old: Sequence[EmployeeAccount], new: Sequence[EmployeeAccount]) -> tuple[EmployeeChange, ...]:
    """Ledger entries (employee, period) whose points, amount or fined differ, by period, employee."""
    before = {(a.period, a.employee): a for a in old}
    after = {(a.period, a.employee): a for a in new}
    out = []
    for key in sorted(before.keys() | after.keys()):
        o, n = before.get(key), after.get(key)
        got = (
            o.points if o else None,
            n.points if n else None,
            o.amount if o else None,
            n.amount if n else None,
            o.fined if o else None,
            n.fined if n else None,
        )
        if got[0] == got[1] and got[2] == got[3] and got[4] == got[5]:
            continue
        out.append(EmployeeChange(key[1], key[0], *got))
    return tuple(out)


# ---- Markdown -----------------------------------------------------------------------------


def _cell(text: str) -> str:
    text = escape(text)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    text = escape(text)
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _signed(n: int) -> str:
    return f"{n:+d}" if n else "0"


def _num(n: int | None) -> str:
    return "—" if n is None else str(n)


def _mean(total: int, count: int) -> str:
    if not count:
        return "—"
    value = round(total / count, 2)
    return "0.00" if value == 0 else f"{value:+.2f}"


def _pack(ref: PackRef) -> str:
    digest = ref.digest.removeprefix("sha256:")[:12]
    return f"{_code(ref.name)} {_cell(ref.version)}" + (f"(`{digest}`)" if digest else "")


def _more(shown: int, total: int, out: list[str]) -> None:
    if total > shown:
        out.append(f"\n……另有 {total - shown} 项未列出。")


def render_diff_markdown(d: PackDiff, limit: int = 50) -> str:
    """A Chinese Markdown summary for a pull request; ``limit`` bounds every list. Deterministic."""
    limit = max(0, limit)
    out: list[str] = []
    old_day = f"({d.old_day} 施行的文本)" if d.old_day else ""
    new_day = f"({d.new_day} 施行的文本)" if d.new_day else ""
    out.append(
        f"## 规则包评分对比:{_code(d.old.name)} {_cell(d.old.version)}{old_day} → "
        f"{_code(d.new.name)} {_cell(d.new.version)}{new_day}"
    )
    out.append("")
    out.append(f"- 旧规则包:{_pack(d.old)}{old_day}")
    out.append(f"- 新规则包:{_pack(d.new)}{new_day}")
    if d.old.digest and d.old.digest == d.new.digest:
        out.append("- 两个规则包内容相同(摘要一致)。")
    out.append(f"- 截至 {d.as_of};期间:{d.period or '全部期间'}")
    for i in d.inputs:
        out.append(f"- 输入 {_code(i.file)}:{i.lines} 行(新规则包下接受 {i.accepted},拒绝 {i.rejected},空行 {i.blank})")
    both = d.compared_both
    moved = [c for c in d.changed if not c.rearranged and not c.money_only]
    rearranged = [c for c in d.changed if c.rearranged]
    money_only = [c for c in d.changed if c.money_only]
    only_money = f",评分不变、仅金额变化 {len(money_only)} 张" if money_only else ""
    out.append(
        f"- 比较评分卡 {d.outlets_compared} 张(网点×期间),其中 {len(d.changed)} 张有变化"
        f"(总分变化 {len(moved)} 张,总分不变、仅章节得分或扣分调整 {len(rearranged)} 张{only_money});"
        f"总分变动合计 {d.points_moved} 分(净变化 {_signed(d.net_change)} 分),"
        f"平均每张评分卡总分变化 {_mean(d.net_change, both)} 分(按两边都有的 {both} 张计)"
    )
    one_sided = [c for c in d.changed if c.delta is None]
    if one_sided:
        only_new = sum(1 for c in one_sided if c.total_old is None)
        out.append(
            f"- 仅在一边有评分的评分卡:仅新规则包 {only_new} 张,仅旧规则包 {len(one_sided) - only_new} 张"
            "(另一边无评分卡或未评分,不按满分计)"
        )
    out.append(
        f"- 拒绝行数:旧 {d.rejected_old},新 {d.rejected_new}"
        f"(新拒绝 {len(d.newly_rejected)} 行,新接受 {len(d.newly_accepted)} 行;"
        f"未能归属网点的:旧 {d.unattributed_old},新 {d.unattributed_new})"
    )
    out.append(f"- 处理事项:新增 {len(d.actions_added)} 项,取消 {len(d.actions_removed)} 项")
    if d.absorbed_added or d.absorbed_removed:
        out.append(f"- 被吸收的处理事项:新增 {len(d.absorbed_added)} 项,取消 {len(d.absorbed_removed)} 项")
    if d.money_changed:
        cards = sum(1 for c in d.changed if c.money_changed)
        out.append(
            f"- 金额:扣减金额或罚款有变化的评分卡 {cards} 张;罚款新增 {len(d.fines_added)} 笔、取消 {len(d.fines_removed)} 笔"
            f"(被吸收的罚款新增 {len(d.absorbed_fines_added)} 笔、取消 {len(d.absorbed_fines_removed)} 笔);"
            f"员工台账有变化 {len(d.employees_changed)} 条"
        )
    if d.empty:
        out.append("")
        out.append("两个规则包对这些观察的评分、金额、拒绝与处理事项完全相同。")
        return "\n".join(out) + "\n"

    for title, group in (
        ("总分有变化的评分卡(变化大的在前)", moved),
        ("总分不变、仅章节得分或扣分调整的评分卡", rearranged),
    ):
        if not group:
            continue
        out.append("")
        out.append(f"### {title}")
        out.append("")
        money = any(c.money_changed for c in group)
        out.append("| 网点 | 期间 | 旧总分 | 新总分 | 变化 | 变化章节 |" + (" 扣减金额(旧→新) | 罚款(旧→新) |" if money else ""))
        out.append("| --- | --- | ---: | ---: | ---: | --- |" + (" --- | --- |" if money else ""))
        ranked = sorted(
            group,
            key=lambda c: (c.delta is not None, -abs(c.delta or 0), c.period, c.outlet),
        )
        for c in ranked[:limit]:
            delta = _signed(c.delta) if c.delta is not None else ("新增" if c.total_old is None else "移除")
            where = "、".join(
                section_name(s.number, s.title) + (f" {_signed(s.delta)}" if s.delta is not None else "")
                for s in c.sections
            )
            row = f"| {_cell(c.outlet)} | {c.period} | {_num(c.total_old)} | {_num(c.total_new)} | {delta} | {_cell(where)} |"
            if money:
                row += f" {_yuan(c.amount_old, c.amount_new)} | {_yuan(c.fined_old, c.fined_new)} |"
            out.append(row)
        _more(min(limit, len(ranked)), len(ranked), out)

    if money_only:
        out.append("")
        out.append("### 评分不变、仅金额变化的评分卡")
        out.append("")
        out.append("| 网点 | 期间 | 扣减金额(旧→新) | 罚款(旧→新) |")
        out.append("| --- | --- | ---: | ---: |")
        for c in sorted(money_only, key=lambda c: (c.period, c.outlet))[:limit]:
            amount = f"{c.amount_old or '—'} → {c.amount_new or '—'}"
            fined = f"{c.fined_old or '—'} → {c.fined_new or '—'}"
            out.append(f"| {_cell(c.outlet)} | {c.period} | {amount} | {fined} |")
        _more(min(limit, len(money_only)), len(money_only), out)

    rules = _rule_totals(d)
    if rules:
        out.append("")
        out.append("### 按规则")
        out.append("")
        out.append("扣分变化为正即扣分增加、得分减少(保底可能吸收一部分)。")
        out.append("")
        out.append("| 规则 | 观察数 | 评分卡 | 扣分(旧→新) | 扣分变化 |")
        out.append("| --- | ---: | ---: | --- | ---: |")
        ranked_rules = sorted(rules.items(), key=lambda kv: (-abs(kv[1][3] - kv[1][2]), kv[0]))
        for rule, (observations, cards, po, pn) in ranked_rules[:limit]:
            out.append(f"| {_code(rule)} | {observations} | {cards} | {po} → {pn} | {_signed(pn - po)} |")
        _more(min(limit, len(ranked_rules)), len(ranked_rules), out)

    for title, rows in (("新拒绝的输入行", d.newly_rejected), ("新接受的输入行(旧规则包曾拒绝)", d.newly_accepted)):
        if not rows:
            continue
        out.append("")
        out.append(f"### {title}({len(rows)})")
        out.append("")
        for r in rows[:limit]:
            ident = f" {_code(r.id)}" if r.id else ""
            out.append(f"- {_code(f'{r.file}:{r.line}')} {_code(r.code)}{ident}:{_cell(r.error)}")
        _more(min(limit, len(rows)), len(rows), out)

    if d.actions_added or d.actions_removed:
        out.append("")
        out.append("### 处理事项变化")
        out.append("")
        actions = [("新增", a) for a in d.actions_added] + [("取消", a) for a in d.actions_removed]
        for label, a in actions[:limit]:
            flag = "(通报全市)" if a.circulate else ""
            out.append(f"- {label}:{a.period} {a.date} {_cell(a.subject)} {_code(a.action)}{flag}:{_cell(a.reason)}")
        _more(min(limit, len(actions)), len(actions), out)

    if d.absorbed_added or d.absorbed_removed:
        out.append("")
        out.append("### 被吸收的处理事项变化")
        out.append("")
        actions = [("新增", a) for a in d.absorbed_added] + [("取消", a) for a in d.absorbed_removed]
        for label, a in actions[:limit]:
            by = f"(由 {_code(a.absorbed_by.action)} 吸收)" if a.absorbed_by else ""
            out.append(f"- {label}:{a.period} {a.date} {_cell(a.subject)} {_code(a.action)}{by}:{_cell(a.reason)}")
        _more(min(limit, len(actions)), len(actions), out)

    fines = (
        [("新增", "", f) for f in d.fines_added]
        + [("取消", "", f) for f in d.fines_removed]
        + [("新增", "(被吸收)", f) for f in d.absorbed_fines_added]
        + [("取消", "(被吸收)", f) for f in d.absorbed_fines_removed]
    )
    if fines:
        out.append("")
        out.append("### 罚款变化")
        out.append("")
        for label, absorbed, f in fines[:limit]:
            out.append(
                f"- {label}{absorbed}:{f.period} {f.date} {_cell(f.subject)} {_code(f.rule)} 第{f.occurrence}次 "
                f"{_cell(f.amount)} 元:{_cell(f.reason)}"
            )
        _more(min(limit, len(fines)), len(fines), out)

    if d.employees_changed:
        out.append("")
        out.append("### 员工台账变化")
        out.append("")
        out.append("| 员工 | 期间 | 扣分(旧→新) | 扣减金额(旧→新) | 罚款(旧→新) |")
        out.append("| --- | --- | --- | --- | --- |")
        for e in d.employees_changed[:limit]:
            out.append(
                f"| {_cell(e.employee)} | {e.period} | {_yuan(_opt(e.points_old), _opt(e.points_new))} | "
                f"{_yuan(e.amount_old, e.amount_new)} | {_yuan(e.fined_old, e.fined_new)} |"
            )
        _more(min(limit, len(d.employees_changed)), len(d.employees_changed), out)
    return "\n".join(out) + "\n"


def _opt(value: int | str | None) -> str | None:
    return None if value is None else str(value)


def _yuan(old: str | None, new: str | None) -> str:
    """``old → new`` (``—`` for none); the value alone when both agree."""
    if old == new:
        return "—" if old is None else _cell(old)
    return f"{'—' if old is None else _cell(old)} → {'—' if new is None else _cell(new)}"


def _rule_totals(d: PackDiff) -> dict[str, tuple[int, int, int, int]]:
    """rule → (observations moved, scorecards, points old, points new) over the changed sections."""
    totals: dict[str, tuple[int, int, int, int]] = {}
    for c in d.changed:
        seen: set[str] = set()
        for s in c.sections:
            for e in s.rules:
                obs, cards, po, pn = totals.get(e.rule, (0, 0, 0, 0))
                totals[e.rule] = (
                    obs + len(e.observations),
                    cards + (e.rule not in seen),
                    po + e.points_old,
                    pn + e.points_new,
                )
                seen.add(e.rule)
    return totals
