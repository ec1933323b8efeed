"""A pack as a readable Chinese Markdown document, for checking it against the paper rules.

:func:`render_pack_docs` walks a loaded :class:`Pack` and writes what it says in words: the
metadata and layers, the floor and total, then every section in number order with each
article's original text and the rules that deduct for it, then the oversight rules. Every
number that changes a score is shown with its provenance (〔原文〕, 〔解释〕 or 〔假定〕) and
its note, so a union can see at once what the text states and what the pack read into it.

A pure function: no I/O, no dates, the same pack always gives the same text.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._codes import CHANNELS, INSPECTORS, SUBJECT_TYPES, cn_number
from ._conditions import OPERATORS, Condition, parse_when
from ._model import (
    COMPARE_WORDS,
    QUANTITY_WORDS,
    Article,
    ConditionValue,
    Deduct,
    Floor,
    LayerChange,
    Pack,
    Provenance,
    Quantity,
    Rule,
    Section,
)
from ._periods import GRANULARITY_EXAMPLES, GRANULARITY_WORDS

__all__ = ["render_pack_docs"]

_PROVENANCE: dict[str, str] = {"literal": "原文", "interpreted": "解释", "assumed": "假定"}
_TYPES: dict[str, str] = {
    "finding": "检查发现",
    "complaint": "客户投诉",
    "lapse": "县级联社失职记录",
    "star": "岗位服务明星评选记录",
    "inspection": "检查记录",
    "report": "检查情况上报",
    "outlet": "网点登记",
}
_FIELDS: dict[str, str] = {
    "id": "编号",
    "outlet": "网点",
    "county": "县级联社",
    "employee": "员工",
    "employees": "员工",
    "persons": "人数",
    "points": "评定扣分",
    "measured": "实测用时(秒)",
    "applicable": "网点须设",
    "inspection": "检查",
    "channel": "投诉渠道",
    "kind": "失职类型",
    "month": "月份",
    "quarter": "季度",
    "date": "日期",
    "by": "检查方",
    "name": "网点名称",
}
_BY = INSPECTORS
_CHANNELS = CHANNELS
_SUBJECTS = SUBJECT_TYPES
_CHANGE_ACTIONS: dict[str, str] = {"add": "新增", "override": "覆盖", "disable": "停用", "replace": "整体替换"}
_CHANGE_KINDS: dict[str, str] = {
    "pack": "规则包设置",
    "recommendation": "示范单位推荐",
    "lapse_labels": "失职类型名称",
    "action_labels": "处理措施名称",
    "sections": "章节",
    "articles": "条文",
    "rules": "扣分规则",
    "ladders": "逐次问责",
    "streaks": "连续奖励",
    "cadences": "检查频次",
    "deadlines": "上报期限",
    "crosschecks": "交叉检查",
    "thresholds": "阈值处理",
    "sanction_groups": "从高处理组",
    "employees": "员工台账",
    "rates": "扣分金额",
    "fines": "罚款",
}
_ORDERED_OPS: dict[str, str] = {name: op.sign for name, op in OPERATORS.items() if op.ordered}
_MONTHS_OF_QUARTER: dict[int, str] = {1: "首月", 2: "第二个月", 3: "末月"}
#: A ladder's counting window in words.
_WINDOW_WORDS: dict[str, str] = {
    "month": "按月计次,每月重新起算",
    "quarter": "按季度计次,每季度重新起算",
    "half_year": "按半年计次,每半年重新起算",
    "year": "按自然年度计次,每年重新起算",
    "calendar_year": "按自然年度计次,每年重新起算",
    "none": "不分期间,累计计次",
}


def _replaced_words(ch: LayerChange) -> str:
    """``;整体替换 floor``: the tables an override replaced whole (``replace = true``)."""
    return f";整体替换 {'、'.join(_code(p) for p in ch.replaced)}" if ch.replaced else ""


def _floor_words(fl: Floor) -> str:
    if fl.policy == "none":
        return f"下不保底,得分可扣至负数{_prov(fl.provenance)}"
    value = "(未填)" if fl.value is None else str(fl.value)
    return f"得分最低为{value}分{_prov(fl.provenance)}"


def _prov(provenance: Provenance | str) -> str:
    return f"〔{_PROVENANCE.get(provenance, provenance)}〕"


def _noted(text: str, note: str | None) -> str:
    return f"{text}——{note}" if note else text


def _qty(q: Quantity, unit: str) -> str:
    """``15分〔假定〕——note``."""
    return _noted(f"{q.value}{unit}{_prov(q.provenance)}", q.note)


def _code(value: object) -> str:
    return f"`{value}`"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return _code(value)
    return str(value)


class _Ctx:
    """What the renderer looks up while it writes: units, tag labels and layer changes."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.unit = pack.meta.article_unit
        self.layered = len(pack.layers) > 1
        self.tag_labels: dict[str, str] = {}
        for a in sorted(pack.articles, key=lambda a: a.number):
            for code, label in a.tags.items():
                self.tag_labels.setdefault(code, label)
        self.changes: dict[tuple[str, str], list[LayerChange]] = {}
        for ch in pack.changes:
            self.changes.setdefault((ch.kind, ch.key), []).append(ch)
        self.superseded_by: dict[str, list[str]] = {}
        for r in pack.rules:
            for other in r.supersedes:
                self.superseded_by.setdefault(other, []).append(r.id)

    def article(self, number: int) -> str:
        return f"第{number}{self.unit}"

    def tag_label(self, code: str) -> str:
        return self.tag_labels.get(code, code)

    def change_lines(self, kind: str, key: str, indent: str) -> list[str]:
        out = []
        for ch in self.changes.get((kind, key), []):
            base = f",原定义于 {_code(ch.base_layer)}" if ch.base_layer else ""
            out.append(
                f"{indent}- 层变更:{_CHANGE_ACTIONS.get(ch.action, ch.action)}(层 {_code(ch.layer)},文件 {_code(ch.file)}{base})"
                + _replaced_words(ch)
            )
        return out


# ---------------------------------------------------------------------------------------------
# conditions in words


def _values(c: Condition) -> list[object]:
    return list(c.value) if c.op == "in" else [c.value]


def _condition(c: Condition, ctx: _Ctx, section: int | None, noted: bool) -> str:
    f, op = c.field, c.op
    vals = _values(c)
    if f == "section" and op in ("eq", "in"):
        if op == "eq" and c.value == section:
            return "本章各条" if ctx.unit == "条" else f"本章各{ctx.unit}"
        names = "、".join(cn_number(v) if isinstance(v, int) and not isinstance(v, bool) else str(v) for v in vals)
        return f"第{names}章各{ctx.unit}"
    if f == "article" and op in ("eq", "in"):
        return "第" + "、".join(str(v) for v in vals) + ctx.unit
    if f == "tag" and op in ("eq", "in"):
        return "标签:" + "、".join(ctx.tag_label(str(v)) for v in vals)
    if f == "verified":
        if op == "eq":
            return "经核实" if c.value is True else "经核实不成立"
        if op == "exists":
            return "已有核实结论" if c.value else "尚未核实"
    if f == "account_transferred" and op == "eq":
        return "造成客户转户" if c.value is True else "未造成客户转户"
    if f == "channel" and op in ("eq", "in"):
        return "投诉渠道:" + "、".join(_CHANNELS.get(str(v), str(v)) for v in vals)
    if f == "by" and op in ("eq", "in"):
        return "检查方:" + "、".join(_BY.get(str(v), str(v)) for v in vals)
    if f == "kind" and op in ("eq", "in"):
        labels = ctx.pack.oversight.lapse_labels
        return "失职类型:" + "、".join(f"{labels.get(str(v), str(v))}({_code(v)})" for v in vals)
    name = _FIELDS.get(f, _code(f))
    if op == "exists":
        return f"有{name}" if c.value else f"无{name}"
    numeric = any(isinstance(v, int) and not isinstance(v, bool) for v in vals)
    # A threshold in a condition is not a Quantity: point at the note that should explain it.
    flag = ("〔出处见说明〕" if noted else "〔未标注出处〕") if numeric else ""
    if op == "eq":
        return f"{name}为{_value(c.value)}{flag}"
    if op == "in":
        return f"{name}为" + "、".join(_value(v) for v in vals) + f"之一{flag}"
    if op == "ne":
        return f"{name}不为{_value(c.value)}{flag}"
    return f"{name}{_ORDERED_OPS.get(op, op)}{_value(c.value)}{flag}"


def _describe_when(when: Mapping[str, ConditionValue], ctx: _Ctx, section: int | None, noted: bool) -> str:
    """A ``when`` table in words: ``本章各条``, ``第26条 标签:语气生硬、使用服务禁语``, ``客户投诉:经核实``."""
    conditions, bad = parse_when(when)
    rtype = next((str(c.value) for c in conditions if c.field == "type" and c.op == "eq"), None)
    parts = [_condition(c, ctx, section, noted) for c in conditions if c.field != "type"]
    parts += [f"(无法解析的条件 {_code(key)})" for key, _ in bad]
    if rtype == "finding":
        return " ".join(parts) if parts else "任何检查发现"
    label = _TYPES.get(rtype, _code(rtype)) if rtype else "(未指明记录类型)"
    return f"{label}:" + ",".join(parts) if parts else label


# ---------------------------------------------------------------------------------------------
# rules


def _deduct_words(d: Deduct) -> str:
    def n(x: int | None) -> str:
        return "(未填)" if x is None else str(x)

    if d.kind == "fixed":
        text = f"固定扣{n(d.points)}分"
    elif d.kind == "graded":
        text = f"由检查人员在{n(d.min)}–{n(d.max)}分内评定"
    else:
        text = f"每人(次)扣{n(d.points)}分"
    return _noted(text + _prov(d.provenance), d.note)


def _rule_home(r: Rule, articles: Mapping[int, Article], sections: Mapping[int, Section]) -> tuple[str, int]:
    """Where a rule is shown: under its article, in its section's block, or among the others."""
    number = r.article
    if number is None:
        spec = r.when.get("article")
        if isinstance(spec, int) and not isinstance(spec, bool):
            number = spec
        elif isinstance(spec, list) and len(spec) == 1 and isinstance(spec[0], int) and not isinstance(spec[0], bool):
            number = spec[0]
    if number is not None and number in articles:
        return ("article", number)
    if r.section in sections:
        return ("section", r.section)
    return ("other", r.section)


def _rule_lines(r: Rule, ctx: _Ctx, indent: str = "") -> list[str]:
    i = indent + "  "
    out = [f"{indent}- **{_code(r.id)}** {r.title or '(无标题)'}"]
    out.append(f"{i}- 适用:{_describe_when(r.when, ctx, r.section, bool(r.note or r.limits))}")
    for path, q in r.limits.items():
        out.append(f"{i}- 条件中的数 {_code(path)}:{_qty(q, '')}")
    for quoted, why in r.unverified_quotes.items():
        out.append(f"{i}- 未与原文逐字相符的引文:“{quoted}”〔出处见说明〕——{why}")
    if r.outcome == "deduct":
        out.append(f"{i}- 扣分:{_deduct_words(r.deduct) if r.deduct else '(未规定扣分)'}")
    elif r.outcome == "pending":
        out.append(f"{i}- 结果:待核实——列出该观察,暂不扣分(无分值)")
    else:
        out.append(f"{i}- 结果:不成立——列出该观察,不扣分(无分值)")
    if r.cap is not None:
        out.append(f"{i}- 上限:一张评分卡中本规则至多扣{_qty(r.cap, '分')}")
    if r.supersedes:
        names = "、".join(_code(x) for x in r.supersedes)
        out.append(f"{i}- 代替:{names}(同一观察两者都命中时只按本规则处理,不重复扣分)")
    by = ctx.superseded_by.get(r.id)
    if by:
        out.append(f"{i}- 被代替:{'、'.join(_code(x) for x in by)} 命中时不按本规则处理")
    if r.note:
        out.append(f"{i}- 说明:{r.note}")
    if ctx.layered:
        layer = ctx.pack.rule_layers.get(r.id)
        if layer:
            out.append(f"{i}- 定义层:{_code(layer)}")
        out += ctx.change_lines("rules", r.id, i)
    return out


# ---------------------------------------------------------------------------------------------
# sections and articles


def _section_name(s: Section) -> str:
    return f"{cn_number(s.number)}、{s.title or '(标题缺失)'}"


def _section_heading(s: Section) -> str:
    if not s.scored:
        suffix = "(不计分)"
    elif s.allotment is None:
        suffix = "(分值缺失)"
    elif s.allotment.provenance == "literal":
        suffix = f"({s.allotment.value}分)"
    else:
        suffix = f"({s.allotment.value}分,{_PROVENANCE.get(s.allotment.provenance, s.allotment.provenance)})"
    return f"### {_section_name(s)}{suffix}"


def _article_lines(a: Article, ctx: _Ctx, rules: list[Rule], oversight_refs: list[str]) -> list[str]:
    mark = {
        "complete": "",
        "partial": "(原文不全)",
        "missing": "(原文缺失)",
        "derived": "(据原文归纳)",
        "assumed": "(本包增设,来源文本未载)",
    }.get(a.status, f"({a.status})")
    out = [f"#### {ctx.article(a.number)}{mark}", ""]
    if a.text:
        out += [f"> {line}" if line else ">" for line in a.text.splitlines()]
        out.append("")
    elif a.status != "missing":
        out += ["(本包未录入原文)", ""]
    if a.quote:
        out.append(f"- 原文:“{a.quote}”")
    if a.note:
        out.append(f"- 说明:{a.note}")
    if a.tags:
        out.append("- 标签:" + "、".join(a.tags[code] + f"({_code(code)})" for code in a.tags))
    out += ctx.change_lines("articles", str(a.number), "")
    if oversight_refs:
        out.append(f"- 督查规则:{'、'.join(oversight_refs)}(见“督查与问责”)")
    if rules:
        out.append("- 扣分规则:")
        for r in rules:
            out += _rule_lines(r, ctx, "  ")
    if out[-1] != "":
        out.append("")
    return out


def _oversight_refs(pack: Pack) -> dict[int, list[str]]:
    o = pack.oversight
    refs: dict[int, list[str]] = {}
    items: list[tuple[int | None, str]] = [
        *((x.article, _code(x.id)) for x in o.ladders),
        *((x.article, _code(x.id)) for x in o.streaks),
        *((x.article, _code(x.id)) for x in o.cadences),
        *((x.article, _code(x.id)) for x in o.deadlines),
        *((x.article, _code(x.id)) for x in o.crosschecks),
    ]
    if o.recommendation is not None:
        items.append((o.recommendation.article, "示范单位推荐"))
    for number, ident in items:
        if number is not None:
            refs.setdefault(number, []).append(ident)
    return refs


# ---------------------------------------------------------------------------------------------
# the document


def _head(pack: Pack, ctx: _Ctx) -> list[str]:
    m = pack.meta
    out = [f"# {m.title}", ""]
    out.append(f"- 包名:{_code(m.name)}")
    out.append(f"- 版本:{m.version}")
    out.append(f"- 来源:{m.source or '(未注明)'}")
    if m.description:
        out.append(f"- 简介:{m.description}")
    out.append(f"- 条文单位:{m.article_unit}")
    out += [
        "",
        "> 出处标注:〔原文〕来源文本明文规定;〔解释〕据来源文本解读,说明写明如何解读;"
        "〔假定〕来源文本未载,说明写明为何假定。",
        "",
        "## 层次",
        "",
    ]
    if not ctx.layered:
        out += [f"- 单层:{_code(pack.layers[0] if pack.layers else m.name)}(不扩展其他包)", ""]
        return out
    out.append(f"- 层次(基础 → 顶层):{' → '.join(_code(x) for x in pack.layers)}")
    if m.extends:
        out.append(f"- 扩展自:{_code(m.extends)}")
    if pack.changes:
        out.append("- 层变更:")
        for ch in pack.changes:
            kind = _CHANGE_KINDS.get(ch.kind, ch.kind)
            key = ch.key
            if ch.kind == "sections" and key.isdigit():
                key = f"第{cn_number(int(key))}章"
            elif ch.kind == "articles" and key.isdigit():
                key = ctx.article(int(key))
            elif key == ch.kind:  # a whole table (``[employees]``): its name is the kind's
                key = ""
            else:
                key = _code(key)
            base = f",原定义于 {_code(ch.base_layer)}" if ch.base_layer else ""
            out.append(
                f"  - {_CHANGE_ACTIONS.get(ch.action, ch.action)} {kind}{' ' + key if key else ''}"
                f"(层 {_code(ch.layer)},文件 {_code(ch.file)}{base})" + _replaced_words(ch)
            )
    else:
        out.append("- 层变更:无")
    out.append("")
    return out


def _scoring(pack: Pack, sections: list[Section]) -> list[str]:
    m = pack.meta
    out = ["## 计分总则", ""]
    per, example = GRANULARITY_WORDS[m.period], GRANULARITY_EXAMPLES[m.period]
    out.append(f"- 计分期间:按{per}计分,每个网点每{per}一张评分卡(期间写作 {example})")
    out.append(f"- 总分:{_qty(m.total, '分') if m.total else '(未规定)'}")
    if m.not_scored:  # [pack] not_scored: record types outside the regulation
        kinds = "、".join({"complaint": "客户投诉", "finding": "检查发现的问题"}.get(t, t) for t in m.not_scored)
        out.append(f"- 不列入考核:{kinds}(pack.toml 的 not_scored;此类记录一律拒收,原因为未列入考核)")
    fl = m.floor
    if fl.policy == "none":
        floor = f"下不保底,各章得分可扣至负数{_prov(fl.provenance)}"
    else:
        value = "(未填)" if fl.value is None else str(fl.value)
        floor = f"各章得分最低为{value}分{_prov(fl.provenance)}"
    out.append(f"- 保底:{_noted(floor, fl.note)}")
    own = [s for s in sections if s.floor is not None]
    if own:
        out.append(f"- 另定保底的章:{'、'.join(f'第{cn_number(s.number)}章' for s in own)}(见各章)")
    out += ["", "| 章 | 标题 | 计分 | 分值 |", "| --- | --- | --- | --- |"]
    for s in sections:
        allot = f"{s.allotment.value}分{_prov(s.allotment.provenance)}" if s.allotment else "—"
        out.append(
            f"| {cn_number(s.number)} | {s.title or '(标题缺失)'} | {'计分' if s.scored else '不计分'} | {allot} |"
        )
    out.append("")
    return out


def _section_block(
    s: Section,
    ctx: _Ctx,
    articles: list[Article],
    section_rules: list[Rule],
    article_rules: Mapping[int, list[Rule]],
    refs: Mapping[int, list[str]],
) -> list[str]:
    out = [_section_heading(s), ""]
    if s.scored and s.allotment is not None:
        out.append(f"- 分值:{_qty(s.allotment, '分')}")
    elif s.scored:
        out.append("- 分值:(未规定)")
    else:
        out.append("- 不计分:本章条文不计入网点评分。")
        if s.allotment is not None:
            out.append(f"- 分值(不计分,未使用):{_qty(s.allotment, '分')}")
    if s.floor is not None:
        out.append(f"- 本章保底(不用全包的保底):{_noted(_floor_words(s.floor), s.floor.note)}")
    if s.note:
        out.append(f"- 章节说明:{s.note}")
    out += ctx.change_lines("sections", str(s.number), "")
    out.append("")
    if section_rules:
        out += ["**本章扣分规则(不限于单条):**", ""]
        for r in section_rules:
            out += _rule_lines(r, ctx)
        out.append("")
    elif s.scored:
        out += ["(本章没有不限于单条的扣分规则。)", ""]
    if not articles:
        out += [f"(本包中本章没有{ctx.unit}文。)", ""]
    for a in articles:
        out += _article_lines(a, ctx, article_rules.get(a.number, []), refs.get(a.number, []))
    return out


def _oversight(pack: Pack, ctx: _Ctx) -> list[str]:
    o = pack.oversight
    per = GRANULARITY_WORDS[pack.meta.period]
    out = ["## 督查与问责", ""]
    if not (o.ladders or o.streaks or o.cadences or o.deadlines or o.crosschecks or o.recommendation) and not (
        o.thresholds or o.sanction_groups
    ):
        return [*out, "(本包没有督查与问责规则。)", ""]

    def basis(article: int | None) -> str:
        return f"(依据{ctx.article(article)})" if article is not None else ""

    if o.lapse_labels:
        out.append("失职类型:")
        out.append("")
        out += [f"- {_code(code)}:{label}" for code, label in o.lapse_labels.items()]
        out.append("")
    if o.ladders:
        out += ["### 逐次问责", ""]
        for lad in o.ladders:
            out += [f"#### {_code(lad.id)} {lad.title or '(无标题)'}{basis(lad.article)}", ""]
            subject = _SUBJECTS.get(lad.subject_type, lad.subject_type)
            out.append(f"- 计次对象:{subject}(字段 {_code(lad.subject)})")
            if lad.same:
                out.append(f"- 分别计次:{'、'.join(_code(x) for x in lad.same)}相同者为同一事项,分别计次")
            out.append(f"- 计次事实:{_describe_when(lad.when, ctx, None, True)}")
            window = _WINDOW_WORDS[lad.window]
            out.append(f"- 计次期间:{_noted(window + _prov(lad.window_provenance), lad.window_note)}")
            out.append(f"- 处理步骤{_prov(lad.steps_provenance)}:")
            last = len(lad.steps)
            for n, step in enumerate(lad.steps, 1):
                which = f"第{n}次及以后各次" if n == last else f"第{n}次"
                circulate = "通报" if step.circulate else "不通报"
                out.append(f"  {n}. {which}:{step.label}({_code(step.action)};{circulate})")
            if lad.steps_note:
                out.append(f"- 步骤说明:{lad.steps_note}")
            out += ctx.change_lines("ladders", lad.id, "")
            out.append("")
    if o.streaks:
        out += ["### 连续奖励", ""]
        for st in o.streaks:
            out += [f"#### {_code(st.id)} {st.title or '(无标题)'}{basis(st.article)}", ""]
            subject = _SUBJECTS.get(st.subject_type, st.subject_type)
            out.append(f"- 对象:{subject}(字段 {_code(st.subject)})")
            out.append(f"- 计入事实:{_describe_when(st.when, ctx, None, True)}")
            out.append(f"- 连续月数:{_qty(st.length, '个月')}")
            out.append(f"- 每满一轮连续月:{st.label}({_code(st.action)};{'通报' if st.circulate else '不通报'})")
            out += ctx.change_lines("streaks", st.id, "")
            out.append("")
    if o.cadences:
        out += ["### 检查频次", ""]
        for cad in o.cadences:
            out += [f"#### {_code(cad.id)} {cad.title or '(无标题)'}{basis(cad.article)}", ""]
            by = _BY.get(cad.by, cad.by)
            out.append(f"- 要求:每个登记网点每{per}至少接受{by}检查{_qty(cad.min_inspections, '次')}")
            out.append(f"- 未达要求:{_code(cad.action)}")
            if cad.lapse:
                label = o.lapse_labels.get(cad.lapse, cad.lapse)
                out.append(f"- 记失职:{label}({_code(cad.lapse)}),计入逐次问责")
            out += ctx.change_lines("cadences", cad.id, "")
            out.append("")
    if o.deadlines:
        out += ["### 上报期限", ""]
        for dl in o.deadlines:
            out += [f"#### {_code(dl.id)} {dl.title or '(无标题)'}{basis(dl.article)}", ""]
            month = _MONTHS_OF_QUARTER.get(dl.month.value, f"第{dl.month.value}个月")
            out.append(f"- 期限:次季{month}{dl.day.value}日前(含当日)")
            out.append(f"  - 月:次季第{_qty(dl.month, '个月')}")
            out.append(f"  - 日:{_qty(dl.day, '日')}")
            out.append(f"- 逾期上报:{_code(dl.late_action)}")
            out.append(f"- 未上报:{_code(dl.missing_action)}")
            if dl.lapse:
                label = o.lapse_labels.get(dl.lapse, dl.lapse)
                out.append(f"- 记失职:{label}({_code(dl.lapse)}),计入逐次问责")
            out += ctx.change_lines("deadlines", dl.id, "")
            out.append("")
    if o.crosschecks:
        out += ["### 交叉检查", ""]
        for x in o.crosschecks:
            out += [f"#### {_code(x.id)} {x.title or '(无标题)'}{basis(x.article)}", ""]
            by, against = _BY.get(x.by, x.by), _BY.get(x.against, x.against)
            label = o.lapse_labels.get(x.lapse, x.lapse)
            text = f"{by}检查发现、{against}本{per}对同一网点的检查未记录的问题,记失职:{label}({_code(x.lapse)})"
            out.append(f"- 规则:{_noted(text + _prov(x.provenance), x.note)}")
            out += ctx.change_lines("crosschecks", x.id, "")
            out.append("")
    rec = o.recommendation
    if rec is not None:
        out += [f"### 示范单位推荐:{rec.title}{basis(rec.article)}", ""]
        if rec.every_quarter_inspected:
            out.append(f"- 条件:年度内每个评定{per}均接受县级联社检查")
        if rec.note:
            out.append(f"- 说明:{rec.note}")
        out.append(f"- 名单附注:{rec.notice}")
        if rec.exclude:
            out.append("- 不列入推荐的情形:")
            for ex in rec.exclude:
                when = _describe_when(ex.when, ctx, None, bool(ex.note))
                out.append(f"  - {_code(ex.code)} {ex.reason}(条件:{when}){_prov(ex.provenance)}")
                if ex.note:
                    out.append(f"    - 说明:{ex.note}")
        else:
            out.append("- 不列入推荐的情形:无")
        out.append("")
    return out + _sanction_docs(pack, ctx)


_THRESHOLD_WINDOWS: dict[str, str] = {"month": "每月", "quarter": "每季度", "half_year": "每半年", "year": "每年"}


def _sanction_docs(pack: Pack, ctx: _Ctx) -> list[str]:
    """Thresholds and sanction groups, in words."""
    o = pack.oversight
    out: list[str] = []

    def basis(article: int | None) -> str:
        return f"(依据{ctx.article(article)})" if article is not None else ""

    if o.thresholds:
        out += ["### 阈值处理", ""]
        for t in o.thresholds:
            out += [f"#### {_code(t.id)} {t.title or '(无标题)'}{basis(t.article)}", ""]
            subject = _SUBJECTS.get(t.subject_type, t.subject_type)
            what = QUANTITY_WORDS.get(t.quantity, t.quantity)
            if t.section is not None:
                what = f"第{cn_number(t.section)}章{what}"
            if t.subject_type == "county":
                what = f"所辖网点{what}合计"
            unit = "元" if t.quantity in ("amount", "fined") else "分"
            window = _THRESHOLD_WINDOWS[t.window or pack.meta.period]
            value = _noted(f"{t.value.value}{unit}{_prov(t.value.provenance)}", t.value.note)
            out.append(f"- 条件:{window}{subject}{what}{COMPARE_WORDS.get(t.compare, t.compare)}{value}")
            against = _SUBJECTS.get(t.against or t.subject_type, t.against or t.subject_type)
            circulate = "通报" if t.circulate else "不通报"
            out.append(f"- 处理:对{against}{t.label}({_code(t.action)};{circulate})")
            out.append("- 期间结束(不晚于评分基准日)后判定;尚未结束的期间列为预判(provisional)")
            if t.note:
                out.append(f"- 说明:{t.note}")
            out += ctx.change_lines("thresholds", t.id, "")
            out.append("")
    if o.sanction_groups:
        out += ["### 从高处理(按最高标准执行,不重复奖罚)", ""]
        for g in o.sanction_groups:
            out += [f"#### {_code(g.id)} {g.title or '(无标题)'}{basis(g.article)}{_prov(g.provenance)}", ""]
            out.append(
                "- 同一对象、同一期间、同一事实(共同的检查记录)的下列处理只执行等级最高者,其余列为被吸收"
                "(absorbed);同一项的各次处理(逐级加重、重复罚款)互不吸收;罚款被吸收的,其附带处理一并吸收:"
            )
            for m in sorted(g.members, key=lambda m: (-m.rank, m.rule, m.action or "")):
                which = f"{_code(m.rule)}的{_code(m.action)}" if m.action else f"{_code(m.rule)}的各项处理"
                out.append(f"  - 等级{m.rank}:{which}")
            if g.note:
                out.append(f"- 说明:{g.note}")
            out += ctx.change_lines("sanction_groups", g.id, "")
            out.append("")
    return out


def render_pack_docs(pack: Pack, day_note: str | None = None) -> str:
    """The pack as a Chinese Markdown document: metadata and layers, scoring, sections with
    articles and their rules, oversight. Every number shows its provenance and note.
    ``day_note`` (``pack@YYYY-MM-DD``: which day's text this is) is said under the title."""
    ctx = _Ctx(pack)
    sections = sorted(pack.sections, key=lambda s: s.number)
    by_number = {s.number: s for s in sections}
    articles = sorted(pack.articles, key=lambda a: a.number)
    article_map = {a.number: a for a in articles}

    section_rules: dict[int, list[Rule]] = {}
    article_rules: dict[int, list[Rule]] = {}
    other_rules: list[Rule] = []
    for r in pack.rules:
        where, number = _rule_home(r, article_map, by_number)
        if where == "article":
            article_rules.setdefault(number, []).append(r)
        elif where == "section":
            section_rules.setdefault(number, []).append(r)
        else:
            other_rules.append(r)

    # Articles of a declared section go in its block; the others (a gap in the source) follow
    # the section of the nearest article before them, so the document keeps the source's order.
    in_section: dict[int, list[Article]] = {}
    loose: dict[int | None, list[Article]] = {}
    anchor: int | None = None
    for a in articles:
        if a.section is not None and a.section in by_number:
            in_section.setdefault(a.section, []).append(a)
            anchor = a.section
        else:
            loose.setdefault(anchor if anchor in by_number else None, []).append(a)

    refs = _oversight_refs(pack)

    def loose_block(group: list[Article]) -> list[str]:
        span = ctx.article(group[0].number)
        if len(group) > 1:
            span = f"第{group[0].number}–{group[-1].number}{ctx.unit}"
        block = [f"### 所属章节不明的{ctx.unit}文({span})", ""]
        for a in group:
            block += _article_lines(a, ctx, article_rules.get(a.number, []), refs.get(a.number, []))
        return block

    out = _head(pack, ctx) + _amendment_lines(pack)
    if day_note is not None:
        out[2:2] = [f"> {day_note}。", ""]
    out += _scoring(pack, sections)
    out += ["## 分章条文与扣分规则", ""]
    if None in loose:
        out += loose_block(loose[None])
    for s in sections:
        out += _section_block(
            s, ctx, in_section.get(s.number, []), section_rules.get(s.number, []), article_rules, refs
        )
        if s.number in loose:
            out += loose_block(loose[s.number])
    if other_rules:
        out += ["## 其他扣分规则(所属章节未声明)", ""]
        for r in other_rules:
            out += _rule_lines(r, ctx)
        out.append("")
    out += _oversight(pack, ctx)
    out += _money(pack, ctx)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _amendment_lines(pack: Pack) -> list[str]:
    """The dated amendments of a pack (this document renders the original text)."""
    if not pack.amendments:
        return []
    out = ["## 修订", "", "本文为修订前的原文本。各次修订自施行日起适用(按发现日期评判;季度分值等按季度末日施行的文本):", ""]
    for text in pack.amendments:
        a = text.amendment
        out.append(_noted(f"- {a.effective} 起施行:修订 {_code(a.id)},{a.document}{_prov(a.provenance)}", a.note))
        for ch in text.pack.changes:
            if ch.layer == a.id:
                kind = _CHANGE_KINDS.get(ch.kind, ch.kind)
                key = "" if ch.key == ch.kind else f" {_code(ch.key)}"
                out.append(f"  - {_CHANGE_ACTIONS.get(ch.action, ch.action)} {kind}{key}(文件 {_code(ch.file)})")
    out += ["", "某日施行的文本:`service-rules docs <规则包>@YYYY-MM-DD`。", ""]
    return out


# ---------------------------------------------------------------------------------------------
# money.toml: rates, fines, the employee ledger

_SAME_WORDS: dict[str, str] = {"rule": "规则", "article": "条款", "section": "章", "tag": "情形"}
_FIELD_WORDS: dict[str, str] = {"type": "记录类型", "rule": "规则", "article": "条款", "section": "章", "tag": "情形"}


def _fine_when(when: Mapping[str, ConditionValue]) -> str:
    conditions, _ = parse_when(when)
    if not conditions:
        return "所有扣分项"
    parts = []
    for c in conditions:
        sign = OPERATORS[c.op].sign if c.op in OPERATORS else c.op
        values = "、".join(_value(v) for v in _values(c))
        parts.append(f"{_FIELD_WORDS.get(c.field, c.field)} {sign} {values}")
    return "扣分项中" + ",且".join(parts) + "者"


def _money(pack: Pack, ctx: _Ctx) -> list[str]:
    """``money.toml`` in words; nothing when the pack has none of it."""
    m = pack.money
    if not (m.rates or m.fines or m.employees):
        return []
    out = ["## 金额与个人台账", ""]
    if m.rates:
        out += ["### 扣分折算金额", ""]
        out.append("金额按各项实扣分计算(单项封顶之后、保底之前):保底吸收的分数照样折算金额。")
        out.append("同一扣分项适用最具体的标准:规则的,其次所在章的,再次全包的。")
        out.append("")
        for r in m.rates:
            if r.rule is not None:
                scope = f"规则 {_code(r.rule)}"
            elif r.section is not None:
                scope = f"第{cn_number(r.section)}章"
            else:
                scope = "全包"
            basis = f"(依据{ctx.article(r.article)})" if r.article is not None else ""
            out.append(f"- {_code(r.id)} {scope}:每扣1分 {r.per_point} 元{_prov(r.provenance)}{basis}")
            if r.note:
                out.append(f"  - 说明:{r.note}")
            out += ctx.change_lines("rates", r.id, "  ")
        out.append("")
    if m.fines:
        out += ["### 罚款", ""]
        for f in m.fines:
            basis = f"(依据{ctx.article(f.article)})" if f.article is not None else ""
            out += [f"#### {_code(f.id)} {f.title or '(无标题)'}{basis}", ""]
            if f.subject == "employee":
                who = "扣分项所列每名员工" + (
                    ";未列员工的,以网点为对象" if f.without_employee == "outlet" else ";未列员工的,不罚款"
                )
            else:
                who = "网点"
            out.append(f"- 计次对象:{who}")
            out.append(f"- 计入事实:{_fine_when(f.when)}(待核实、不成立的不计)")
            out.append(f"- 同一事项:{'、'.join(_SAME_WORDS.get(k, k) for k in f.same)}相同")
            window = _WINDOW_WORDS.get(f.window, f.window)
            out.append(f"- 计次期间:{_noted(window + _prov(f.window_provenance), f.window_note)}")
            if f.steps:
                steps = "、".join(f"{s}元" for s in f.steps)
                amounts = f"依次为 {steps}(以后各次按最后一档)"
            elif f.factor is not None:
                amounts = f"第1次 {f.first} 元,此后每次为上次的 {f.factor} 倍"
            else:
                amounts = f"每次 {f.first} 元"
            if f.cap is not None:
                amounts += f",单次最高 {f.cap} 元"
            out.append(f"- 金额{_prov(f.provenance)}:{amounts}")
            for a in f.actions:
                circulate = "通报" if a.circulate else "不通报"
                out.append(f"- 第{a.start}次起:{a.label}({_code(a.action)};{circulate})")
            if f.note:
                out.append(f"- 说明:{f.note}")
            out += ctx.change_lines("fines", f.id, "")
            out.append("")
    if m.employees is not None:
        e = m.employees
        out += ["### 个人台账", ""]
        how = (
            "每名员工各自全额承担"
            if e.share == "full"
            else "在所列员工间平均分摊,精确到0.01(分、元),余数按最大余数法分配,各份之和等于原数"
        )
        out.append(f"- 多人共同扣分:{_noted(how + _prov(e.provenance), e.note)}")
        out.append("")
    return out
