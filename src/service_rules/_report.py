"""Human-readable renderings of results: the terminal table of ``--format table``."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from ._results import ScoreResult

_CN_NUM = "零一二三四五六七八九十"

#: What each rejection code means, for people reading a table (the JSON keeps the codes).
REJECTION_LABELS = {
    "malformed_json": "不是有效的JSON",
    "invalid_utf8": "不是UTF-8编码",
    "not_an_object": "不是JSON对象",
    "unknown_type": "记录类型未知",
    "missing_field": "缺少字段",
    "unknown_field": "未知字段(可能拼写错误)",
    "wrong_type": "字段类型错误",
    "invalid_value": "字段取值不允许",
    "invalid_date": "日期无效",
    "duplicate_id": "编号重复",
    "unknown_article": "规则包中无此条",
    "article_missing_text": "该条原文缺失,暂不能评分",
    "article_not_scored": "该条不计分",
    "unknown_tag": "该条无此标签",
    "points_missing": "缺少评定分值",
    "out_of_range": "评定分值超出范围",
    "points_not_graded": "该项为固定扣分,不应填写分值",
    "persons_not_per_person": "该项不按人次扣分,不应填写人次",
    "persons_mismatch": "人次与员工名单不符",
    "unknown_inspection": "所引检查记录不存在",
    "inspection_mismatch": "所引检查记录的网点或日期不符",
    "outlet_conflict": "网点信息与前文矛盾",
    "no_rule": "无适用规则",
    "ambiguous_rules": "多条规则同时适用",
    # office sheets (docs/office.md)
    "unreadable_cell": "单元格无法读取(公式无保存结果或Excel错误值)",
}


def width(text: str) -> int:
    """Columns a string takes on a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cols: int, right: bool = False) -> str:
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap


def section_name(number: int, title: str | None) -> str:
    numeral = _CN_NUM[number] if 0 <= number <= 10 else str(number)
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
                    else f"第{_CN_NUM[d.section] if d.section <= 10 else d.section}章"
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
            label = REJECTION_LABELS.get(r.code, r.code)
            out.append(f"  {r.file}:{r.line}{ident}  {label}({r.code}):{r.error}")
    return "\n".join(out) + "\n"
