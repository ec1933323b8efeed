"""Human-readable renderings of results: the terminal table of ``--format table``."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from ._codes import cn_number, rejection_label
from ._results import ScoreResult


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
    cols = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(pad(cell, cols[i], i in right) for i, cell in enumerate(row)).rstrip() for row in rows]


def render_table(result: ScoreResult, article_unit: str = "条", action_labels: Mapping[str, str] | None = None) -> str:
    unit = article_unit
    labels = action_labels or {}
    out: list[str] = []
    p = result.pack
    out.append(
        f"规则包 {p.name} {p.version}  截至 {result.as_of}" + (f"  期间 {result.period}" if result.period else "")
    )
    for i in result.inputs:
        out.append(f"输入 {i.file}: {i.lines} 行, 接受 {i.accepted}, 拒绝 {i.rejected}, 空行 {i.blank}")
    for card in result.scorecards:
        out.append("")
        county = card.county or "未登记县联社"
        out.append(f"■ 网点 {card.outlet}({county})  {card.period}  总分 {card.total}")
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
                [section_name(s.number, s.title), str(s.allotment), str(s.deducted), str(s.score), ",".join(remarks)]
            )
        out.extend("  " + line for line in _table(rows, right=(1, 2, 3)))
        if card.deductions:
            out.append("  扣分明细:")
            for d in card.deductions:
                where = (
                    f"第{d.article}{unit}"
                    if d.article is not None
                    else f"第{cn_number(d.section)}章"
                )
                capped = f"(规则上限,原应扣{d.raw_points}分)" if d.raw_points != d.points else ""
                out.append(f"    -{d.points}{capped}  {where}  [{d.rule}]  {','.join(d.observations)}  {d.date}")
                out.append(f"        {d.reason}")
                if d.note:
                    out.append(f"        备注:{d.note}")
        if card.pending:
            out.append(f"  待核实(暂不扣分):{','.join(card.pending)}")
        if card.dismissed:
            out.append(f"  经核查不扣分:{','.join(card.dismissed)}")
    if result.actions:
        out.append("")
        out.append("处理事项:")
        for a in result.actions:
            flag = " [通报全市]" if a.circulate else ""
            name = f"{labels[a.action]}({a.action})" if a.action in labels else a.action
            out.append(f"  {a.date}  {a.subject}  {name}{flag}  {a.period}")
            out.append(f"      {a.reason}")
    if result.rejected:
        out.append("")
        out.append(f"被拒绝的输入行({len(result.rejected)}):")
        for r in result.rejected:
            ident = f" {r.id}" if r.id else ""
            label = rejection_label(r.code)
            out.append(f"  {r.file}:{r.line}{ident}  {label}({r.code}):{r.error}")
    return "\n".join(out) + "\n"
