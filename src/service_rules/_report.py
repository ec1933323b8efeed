"""Human-readable renderings of results: the terminal table of ``--format table``."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from ._codes import APPEAL_DECISION_LABELS, cn_number, rejection_label
from ._results import Absorption, AppealRef, Deduction, InputSummary, Replacement, ResultWarning, ScoreResult


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if ch == "\\":
        return "\\\\"
    if ch == "\t":
        return "\\t"
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _needs_escape(ch: str) -> bool:
    # Cc: C0/C1 controls (ESC starts ANSI sequences); Cf: bidi overrides and zero-width
    # characters that make a line read otherwise than it is; Cs/Co/Cn: nothing a terminal shows.
    return ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def escape(text: object) -> str:
    """Input text as a terminal may show it: control and format characters (ESC of ANSI
    sequences, newlines, bidi overrides, …) written as ``\\x1b``-style escapes, never raw.

    Every table and message that prints text from input goes through this one function.
    A backslash is doubled only when the text holds something else to escape, so ordinary
    text (Windows paths included) prints as it is.
    """
    s = str(text)
    if s.isprintable() or not any(_needs_escape(ch) for ch in s if ch != "\\"):
        return s
    return "".join(_escape_char(ch) if _needs_escape(ch) else ch for ch in s)


def width(text: str) -> int:
    """Columns a string takes on a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap


def section_name(number: int, title: str | None) -> str:
    numeral = cn_number(number)
    return f"{numeral}、{title}" if title else f"{numeral}、(标题缺失)"


def _table(rows: list[list[str]], right: Iterable[int] = ()) -> list[str]:
    right = set(right)
    rows = [[escape(cell) for cell in row] for row in rows]
    cols = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(pad(cell, cols[i], i in right) for i, cell in enumerate(row)).rstrip() for row in rows]


def rejection_summary(rejected: int, unattributed: int) -> str:
    """The line every table prints: rejected input lines, and how many name no outlet."""
    return f"被拒绝的输入行:{rejected} 行(其中未能归属网点的 {unattributed} 行)"


def unread_lines(inputs: Iterable[InputSummary]) -> list[str]:
    """Inputs of which nothing was read (a sheet matching no record type): every table says so,
    since every figure below could have changed."""
    unread = [i for i in inputs if i.problem is not None]
    if not unread:
        return []
    out = [f"注意:{len(unread)} 个输入未被读取,其内容全部未计入,以下结果可能不完整:"]
    for i in unread:
        sheet = f"“{escape(i.sheet)}”" if i.sheet is not None else ""
        out.append(f"  {escape(i.file)}{sheet}:{escape(i.problem or '')}")
    return out


def warning_lines(warnings: Iterable[ResultWarning]) -> list[str]:
    """The warnings of a result as table lines (none when there are none)."""
    items = list(warnings)
    if not items:
        return []
    out = [f"提示({len(items)}):"]
    for w in items:
        where = escape(w.file or "") + (f"“{escape(w.sheet)}”" if w.sheet is not None else "")
        where += f":{w.line}" if w.line is not None else ""
        out.append(f"  {where + '  ' if where else ''}{escape(w.message)}({escape(w.code)})")
    return out


def appeal_text(a: AppealRef, original_points: int | None = None) -> str:
    """An appeal as people read it: 申诉 A-1 待决, or 申诉 A-2 2026-10-20 决定:变更分值(原扣3分)."""
    if a.state != "decided" or a.decision is None:
        return f"申诉 {escape(a.id)} 待决(暂按原扣分计)"
    label = APPEAL_DECISION_LABELS.get(a.decision, a.decision)
    was = f"(原扣{original_points}分)" if original_points is not None else ""
    return f"申诉 {escape(a.id)} {a.decided} 决定:{label}{was}"


def overturned_lines(overturned: Iterable[Deduction], unit: str) -> list[str]:
    """A card's deductions overturned on appeal (not counted), one line each."""
    items = list(overturned)
    if not items:
        return []
    out = ["  经申诉撤销(不计分):"]
    for d in items:
        where = f"第{d.article}{unit}" if d.article is not None else f"第{cn_number(d.section)}章"
        appeal = appeal_text(d.appeal) if d.appeal is not None else ""
        out.append(f"    ({d.points}分)  {where}  {escape(','.join(d.observations))}  {d.date}  {appeal}")
    return out


def replaced_lines(replaced: Iterable[Replacement]) -> list[str]:
    """Records a correction replaced: which record took each one's place, and where."""
    items = list(replaced)
    if not items:
        return []
    out = ["", f"已被更正的记录({len(items)},不再计分):"]
    for r in items:
        now = f",现行 {escape(r.current)}" if r.current != r.by else ""
        was = f"(原行被拒绝:{rejection_label(r.rejected)})" if r.rejected else ""
        sheet = f"“{escape(r.sheet)}”" if r.sheet is not None else ""
        out.append(f"  {escape(r.id)} → {escape(r.by)}{now}  {escape(r.file)}{sheet}:{r.line}{was}")
    return out


SUBJECT_WORDS = {"county": "县联社", "outlet": "网点", "employee": "员工"}


def _titled(rule: str | None, titles: Mapping[str, str]) -> str:
    """A rule as a clerk reads it: 「its title」, or its id where it has none."""
    if rule is None:
        return "规则"
    return f"「{titles[rule]}」" if rule in titles else rule


def absorbed_words(
    by: Absorption, action_labels: Mapping[str, str], titles: Mapping[str, str], fine: bool = False
) -> str:
    """``已由「员工季度…」的纳入动态管理吸收(从高处理组「…」)``: the pack's Chinese labels and titles."""
    group = f"从高处理组{_titled(by.group, titles)}"
    if fine:
        return f"已由罚款{_titled(by.rule, titles)}吸收({group})"
    action = action_labels.get(by.action, by.action)
    return f"已由{_titled(by.rule, titles)}的“{action}”吸收({group})"


def render_table(
    result: ScoreResult,
    article_unit: str = "条",
    action_labels: Mapping[str, str] | None = None,
    rule_titles: Mapping[str, str] | None = None,
) -> str:
    unit = article_unit
    labels = action_labels or {}
    titles = rule_titles or {}
    out: list[str] = []
    p = result.pack
    out.append(
        f"规则包 {escape(p.name)} {escape(p.version)}  截至 {result.as_of}"
        + (f"  期间 {escape(result.period)}" if result.period else "")
    )
    for i in result.inputs:
        sheet = f"“{escape(i.sheet)}”" if i.sheet is not None else ""
        out.append(
            f"输入 {escape(i.file)}{sheet}: {i.lines} 行, 接受 {i.accepted}, 拒绝 {i.rejected}, 空行 {i.blank}"
            + (f", 被更正 {i.replaced}" if i.replaced else "")
            + (f"  未读取:{escape(i.problem)}" if i.problem else "")
        )
    out.append(rejection_summary(len(result.rejected), result.unattributed))
    out.extend(unread_lines(result.inputs))
    out.extend(warning_lines(result.warnings))
    for card in result.scorecards:
        out.append("")
        county = card.county or "未登记县联社"
        named = f" {escape(card.name)}" if card.name else ""
        total = f"总分 {card.total}" if card.scored else f"未评分({escape(card.reason or '')})"
        touched = f"  [涉及本网点的被拒绝输入 {card.rejections} 行]" if card.rejections else ""
        versions = f"  [适用修订 {escape('、'.join(card.versions))}]" if card.versions else ""
        money = "".join(
            f"  {label} {value} 元" for label, value in (("扣减金额", card.amount), ("罚款", card.fined)) if value is not None
        )
        out.append(f"■ 网点 {escape(card.outlet)}{named}({escape(county)})  {card.period}  {total}{money}{touched}{versions}")
        if not card.scored:
            continue
        rows = [["章节", "分值", "扣分", "得分", "说明"]]
        for s in card.sections:
            remarks = []
            if s.assumed:
                remarks.append("分值为假定")
            if not s.assessable:
                remarks.append("无可评条文")
            if s.beyond_floor:
                remarks.append(f"保底吸收{s.beyond_floor}分")
            rows.append(
                [
                    section_name(s.number, s.title),
                    str(s.allotment),
                    str(s.deducted),
                    "" if s.score is None else str(s.score),
                    ",".join(remarks),
                ]
            )
        out.extend("  " + line for line in _table(rows, right=(1, 2, 3)))
        if card.deductions:
            out.append("  扣分明细:")
            for d in card.deductions:
                where = f"第{d.article}{unit}" if d.article is not None else f"第{cn_number(d.section)}章"
                capped = f"(规则上限,原应扣{d.raw_points}分)" if d.raw_points != d.points else ""
                amount = f"  {d.amount} 元" if d.amount is not None else ""
                out.append(
                    f"    -{d.points}{capped}{amount}  {where}  [{escape(d.rule)}]  {escape(','.join(d.observations))}  {d.date}"
                )
                out.append(f"        {escape(d.reason)}")
                if d.note:
                    out.append(f"        备注:{escape(d.note)}")
                if d.appeal is not None:
                    out.append(f"        {appeal_text(d.appeal, d.original_points)}")
        out.extend(overturned_lines(card.overturned, unit))
        if card.pending:
            out.append(f"  待核实(暂不扣分):{escape(','.join(card.pending))}")
        if card.dismissed:
            out.append(f"  经核查不扣分:{escape(','.join(card.dismissed))}")
    if result.actions:
        out.append("")
        out.append("处理事项:")
        waits = {x.id: x.appeal.id for x in result.lapse_appeals if x.appeal.state != "decided"}
        for a in result.actions:
            flag = " [通报全市]" if a.circulate else ""
            if a.rejections:
                flag += f" [涉及被拒绝输入 {a.rejections} 行,结论可能有误]"
            for o in a.observations:
                if o in waits:
                    flag += f" [失职 {escape(o)} 申诉 {escape(waits[o])} 待决]"
            name = escape(f"{labels[a.action]}({a.action})" if a.action in labels else a.action)
            out.append(f"  {a.date}  {escape(a.subject)}  {name}{flag}  {a.period}")
            out.append(f"      {escape(a.reason)}")
    if result.overturned_lapses:
        out.append("")
        out.append("经申诉撤销的失职(不再计次):")
        for x in result.overturned_lapses:
            appeals = ",".join(appeal_text(a) for a in x.appeals)
            out.append(f"  {x.date}  {escape(x.county)}  {escape(x.id)}  {appeals}")
            for a in x.withdrawn:
                name = escape(f"{labels[a.action]}({a.action})" if a.action in labels else a.action)
                out.append(f"      撤销:{a.date}  {escape(a.subject)}  {name}  {a.period}")
    waiting = [x for x in result.lapse_appeals if x.appeal.state != "decided" or x.appeal.decision != "overturned"]
    if waiting:
        out.append("")
        out.append("针对失职记录的申诉(待决或维持,仍计次):")
        for y in waiting:
            said = appeal_text(y.appeal) if y.appeal.state == "decided" else f"申诉 {escape(y.appeal.id)} 待决"
            out.append(f"  {y.date}  {escape(y.county)}  {escape(y.id)}  {said}")
    out.extend(replaced_lines(result.replaced))
    out.extend(_money_lines(result))
    for title, listed in (
        ("从高处理被吸收的事项(按最高标准执行,不重复处理):", result.absorbed),
        ("预判事项(期间尚未结束,仅供参考):", result.provisional),
    ):
        if listed:
            out += ["", title]
            for a in listed:
                name = escape(f"{labels[a.action]}({a.action})" if a.action in labels else a.action)
                by = a.absorbed_by
                absorbed = f"  ← {escape(absorbed_words(by, labels, titles))}" if by else ""
                who = SUBJECT_WORDS.get(a.subject_type, "")
                out.append(f"  {a.date}  {who}{escape(a.subject)}  {name}  {a.period}{absorbed}")
                out.append(f"      {escape(a.reason)}")
    if result.absorbed_fines:
        out += ["", "从高处理不再执行的罚款(按最高标准执行,不重复处罚):"]
        for f in result.absorbed_fines:
            was = f"  ← {escape(absorbed_words(f.absorbed_by, labels, titles, fine=True))}" if f.absorbed_by else ""
            who = SUBJECT_WORDS.get(f.subject_type, "")
            rule = escape(_titled(f.rule, titles))
            out.append(f"  {f.date}  {who}{escape(f.subject)}  {rule} 第{f.occurrence}次  {f.amount}元{was}")
            out.append(f"      {escape(f.reason)}")
    if result.rejected:
        out.append("")
        out.append(f"被拒绝的输入行({len(result.rejected)}):")
        for r in result.rejected:
            ident = f" {escape(r.id)}" if r.id else ""
            label = rejection_label(r.code)
            sheet = f"“{escape(r.sheet)}”" if r.sheet is not None else ""
            out.append(f"  {escape(r.file)}{sheet}:{r.line}{ident}  {label}({escape(r.code)}):{escape(r.error)}")
    return "\n".join(out) + "\n"


def _money_lines(result: ScoreResult) -> list[str]:
    """Fines and the employee ledger (money.toml), when the result has them."""
    out: list[str] = []
    if result.fines:
        out += ["", "罚款:"]
        for f in result.fines:
            who = "员工" if f.subject_type == "employee" else "网点"
            out.append(f"  {f.date}  {who}{escape(f.subject)}  第{f.occurrence}次  {f.amount} 元  [{escape(f.rule)}]")
            out.append(f"      {escape(f.reason)}")
    if result.employees:
        out += ["", "个人台账:"]
        rows = [["员工", "期间", "网点", "扣分", "扣减金额", "罚款"]]
        for e in result.employees:
            rows.append(
                [
                    escape(e.employee),
                    e.period,
                    escape("、".join(e.outlets)),
                    str(e.points),
                    e.amount or "",
                    e.fined or "",
                ]
            )
        out.extend("  " + line for line in _table(rows, right=(3, 4, 5)))
    return out
