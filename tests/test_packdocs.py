"""The pack document (render_pack_docs): every article's text, every rule, every number's provenance.

The expectations are read off the packs' TOML files (and, for the Cangzhou headings, off the
source regulation's chapter structure), not off the renderer's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import service_rules
from service_rules._model import Deduct, Pack
from service_rules._packdocs import cn_number, render_pack_docs

PROVENANCE = {"literal": "原文", "interpreted": "解释", "assumed": "假定"}
PACKS = ["cangzhou", "generic"]


@pytest.fixture(scope="module", params=PACKS)
def loaded(request: pytest.FixtureRequest) -> tuple[Pack, str]:
    pack = service_rules.load_pack(request.param)
    return pack, render_pack_docs(pack)


def rule_block(doc: str, rule_id: str) -> str:
    """The lines of one rule's entry: its header and the lines indented under it."""
    lines = doc.splitlines()
    header = re.compile(rf"^(\s*)- \*\*`{re.escape(rule_id)}`\*\*")
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    assert len(starts) == 1, f"rule {rule_id} has {len(starts)} entries"
    start = starts[0]
    m = header.match(lines[start])
    assert m is not None
    indent = len(m.group(1))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.strip() or len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    return "\n".join(block)


def deduct_phrase(d: Deduct) -> str:
    if d.kind == "fixed":
        return f"固定扣{d.points}分〔{PROVENANCE[d.provenance]}〕"
    if d.kind == "graded":
        return f"由检查人员在{d.min}–{d.max}分内评定〔{PROVENANCE[d.provenance]}〕"
    return f"每人(次)扣{d.points}分〔{PROVENANCE[d.provenance]}〕"


# --- both built-in packs ---------------------------------------------------------------------


def test_every_present_article_text_is_quoted_whole(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    unit = pack.meta.article_unit
    present = [a for a in pack.articles if a.status != "missing"]
    assert present
    for a in present:
        assert a.text
        assert f"> {a.text}" in doc, f"article {a.number}: text not quoted whole"
        mark = {"partial": "(原文不全)", "derived": "(据原文归纳)", "assumed": "(本包增设,来源文本未载)"}.get(a.status, "")
        assert f"#### 第{a.number}{unit}{mark}\n" in doc


def test_missing_articles_are_marked_with_their_note(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    unit = pack.meta.article_unit
    for a in pack.articles:
        if a.status == "missing":
            assert f"#### 第{a.number}{unit}(原文缺失)" in doc
            assert a.note and a.note in doc
        else:
            assert f"第{a.number}{unit}(原文缺失)" not in doc


def test_every_rule_appears_once_with_its_deduction_and_provenance(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    assert pack.rules
    for r in pack.rules:
        block = rule_block(doc, r.id)
        if r.title:
            assert r.title in block.splitlines()[0]
        if r.deduct is not None:
            assert deduct_phrase(r.deduct) in block, r.id
            if r.deduct.note:
                assert r.deduct.note in block
        elif r.outcome == "pending":
            assert "待核实" in block and "暂不扣分" in block
        elif r.outcome == "dismissed":
            assert "不扣分" in block and "扣分:" not in block
        if r.cap is not None:
            assert f"至多扣{r.cap.value}分〔{PROVENANCE[r.cap.provenance]}〕" in block
        for other in r.supersedes:
            assert f"代替:`{other}`" in block
        if r.note:
            assert r.note in block


def test_assumed_allotments_are_marked(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    for s in pack.sections:
        name = f"{cn_number(s.number)}、{s.title or '(标题缺失)'}"
        if not s.scored:
            assert f"### {name}(不计分)\n" in doc
            continue
        assert s.allotment is not None
        v, prov = s.allotment.value, s.allotment.provenance
        if prov == "literal":
            assert f"### {name}({v}分)\n" in doc
        else:
            assert f"### {name}({v}分,{PROVENANCE[prov]})\n" in doc
        assert f"分值:{v}分〔{PROVENANCE[prov]}〕" in doc


def test_sections_in_number_order(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    positions = []
    for s in sorted(pack.sections, key=lambda s: s.number):
        found = re.search(rf"^### {cn_number(s.number)}、", doc, re.M)
        assert found, s.number
        positions.append(found.start())
    assert positions == sorted(positions)


def test_ladder_steps_in_order_with_circulation(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    ladders = pack.oversight.ladders
    assert ladders
    for lad in ladders:
        start = doc.index(f"#### `{lad.id}`")
        positions = []
        for n, step in enumerate(lad.steps, 1):
            line = next(x for x in doc[start:].splitlines() if x.startswith(f"  {n}. 第{n}次"))
            assert step.label in line
            assert ("不通报" not in line) is step.circulate
            positions.append(doc.index(line, start))
        assert positions == sorted(positions)
        assert f"处理步骤〔{PROVENANCE[lad.steps_provenance]}〕" in doc
        assert f"〔{PROVENANCE[lad.window_provenance]}〕——{lad.window_note}" in doc


def test_every_number_outside_the_source_text_shows_its_provenance(loaded: tuple[Pack, str]) -> None:
    _, doc = loaded
    number = re.compile(r"(?<![第\d])\d+\s*(分|次|日|个月|秒)")
    checked = 0
    for line in doc.splitlines():
        # Quoted source text, headings (their numbers are repeated with provenance just below),
        # notes, and the deadline summary (its month and day follow on their own lines).
        if line.startswith((">", "#")) or "说明:" in line or line.lstrip().startswith("- 期限:"):
            continue
        body = re.sub(r"`[^`]*`", "", line.split("——")[0])
        if number.search(body):
            checked += 1
            assert re.search(r"〔(原文|解释|假定|出处见说明)〕", body), line
    assert checked > 10


def test_deterministic_and_undated(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    assert render_pack_docs(pack) == doc
    assert render_pack_docs(service_rules.load_pack(pack.meta.name)) == doc
    assert not re.search(r"\d{4}-\d{2}-\d{2}", doc)
    assert doc.endswith("\n") and not doc.endswith("\n\n")


def test_single_layer_pack_says_so(loaded: tuple[Pack, str]) -> None:
    pack, doc = loaded
    assert f"单层:`{pack.meta.name}`(不扩展其他包)" in doc
    assert "层变更" not in doc


# --- Cangzhou specifics ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cz() -> str:
    return render_pack_docs(service_rules.load_pack("cangzhou"))


def test_cangzhou_head(cz: str) -> None:
    assert cz.startswith("# 沧州市农村信用社优质文明服务规范管理细则\n")
    assert "- 版本:1.0.0" in cz
    assert "来源:沧州市农村信用社 优质文明服务规范管理细则" in cz
    assert "总分:100分〔假定〕——原文未给出总分" in cz
    assert "保底:下不保底,各章得分可扣至负数〔原文〕" in cz


def test_cangzhou_section_headings(cz: str) -> None:
    for heading in (
        "### 一、总则(不计分)",
        "### 二、奖惩(不计分)",
        "### 三、(标题缺失)(15分,假定)",
        "### 四、服务设施规范(15分)",
        "### 五、(标题缺失)(20分,假定)",
        "### 六、服务质量规范(20分)",
        "### 七、(标题缺失)(15分,假定)",
        "### 八、劳动纪律规范(15分)",
        "### 九、附则(不计分)",
    ):
        assert f"\n{heading}\n" in cz


def test_cangzhou_rules_sit_in_their_section_and_article(cz: str) -> None:
    def span(start: str, end: str) -> str:
        i = cz.index(start)
        return cz[i : cz.index(end, i)]

    chapter5 = span("### 五、", "### 六、")
    article26 = span("#### 第26条\n", "### 六、")
    for rid in ("cz-5-item", "cz-5-complaint", "cz-5-complaint-transfer", "cz-5-complaint-pending"):
        assert f"**`{rid}`**" in chapter5
        assert f"**`{rid}`**" not in article26
    assert "**`cz-5-tone`**" in article26
    assert "适用:本章各条" in rule_block(cz, "cz-5-item")
    assert "适用:第26条 标签:语气生硬、使用服务禁语" in rule_block(cz, "cz-5-tone")
    assert "适用:客户投诉:经核实,造成客户转户" in rule_block(cz, "cz-5-complaint-transfer")
    assert "适用:客户投诉:尚未核实" in rule_block(cz, "cz-5-complaint-pending")
    assert "被代替:`cz-5-tone`" in rule_block(cz, "cz-5-item")
    assert "**`cz-8-drunk`**" in span("#### 第41条\n", "#### 第42条")
    assert "标签:语气生硬(`harsh_tone`)、使用服务禁语(`forbidden_phrase`)" in article26
    # missing articles without a section sit between the sections around them
    assert cz.index("#### 第6条(原文缺失)") < cz.index("### 三、")
    assert cz.index("#### 第5条(原文不全)") < cz.index("#### 第6条(原文缺失)")


def test_cangzhou_oversight(cz: str) -> None:
    oversight = cz[cz.index("## 督查与问责") :]
    assert "期限:次季首月10日前" in oversight
    assert "月:次季第1个月〔原文〕" in oversight
    assert "日:10日〔解释〕——第四条“次季首月10日前上报”" in oversight
    assert "每季度至少接受县级联社检查1次〔原文〕" in oversight
    assert "记失职:未按季检查所辖网点(`uninspected`)" in oversight
    assert "记失职:应查而未查处(`unfound`)〔解释〕——第三条" in oversight
    assert "计次期间:按自然年度计次,每年重新起算〔假定〕" in oversight
    assert "3. 第3次及以后各次:对县级联社直接责任人和相关领导给予纪律处分,并通报全市" in oversight
    for code, prov in (("verified_complaint", "假定"), ("account_transferred", "假定"), ("drunk_on_duty", "假定")):
        line = next(x for x in oversight.splitlines() if x.startswith(f"  - `{code}`"))
        assert line.endswith(f"〔{prov}〕")
    assert "(条件:第41条 标签:酒后上岗)" in oversight
    assert "名单附注:依据第四十四条" in oversight
    assert "督查规则:`cz-4-cadence`、`cz-4-report`" in cz


def test_generic_specifics() -> None:
    doc = render_pack_docs(service_rules.load_pack("generic"))
    assert "保底:各章得分最低为0分〔假定〕" in doc
    assert "#### 第502项\n" in doc
    block = rule_block(doc, "g-701-within")
    assert "适用:第701项 实测用时(秒)≤300〔出处见说明〕" in block
    assert "条件中的数 `measured.lte`:300〔假定〕" in block
    assert "#### 第701项(本包增设,来源文本未载)" in doc and "#### 第101项(据原文归纳)" in doc
    assert "连续月数:3个月〔原文〕" in doc
    assert "不限于单条" in doc and "**`g-complaint`**" in doc[doc.index("### 六、") : doc.index("### 七、")]


def test_cn_number() -> None:
    assert [cn_number(n) for n in (0, 3, 10, 14, 20, 26, 44, 100, 101, 110, 1005)] == [
        "零",
        "三",
        "十",
        "十四",
        "二十",
        "二十六",
        "四十四",
        "一百",
        "一百零一",
        "一百一十",
        "一千零五",
    ]


# --- layers ----------------------------------------------------------------------------------


def _layer(tmp_path: Path, rules: str) -> Path:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '[pack]\nname = "x"\ntitle = "t"\nversion = "1"\nextends = "cangzhou"\n', encoding="utf-8"
    )
    (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return folder


def test_layered_pack_shows_the_change_and_the_new_points(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        '[[rules]]\nid = "cz-5-item"\noverride = true\n'
        'deduct = { points = 4, kind = "fixed", provenance = "assumed", note = "测试" }\n',
    )
    pack = service_rules.load_pack(folder)
    service_rules.compile_pack(pack)  # the layer is a valid pack
    doc = render_pack_docs(pack)
    assert doc.startswith("# t\n")
    assert "层次(基础 → 顶层):`cangzhou` → `x`" in doc
    assert "扩展自:`cangzhou`" in doc
    assert "覆盖 扣分规则 `cz-5-item`(层 `x`,文件 `x/rules.toml`,原定义于 `cangzhou`)" in doc
    block = rule_block(doc, "cz-5-item")
    assert "扣分:固定扣4分〔假定〕——测试" in block
    assert "固定扣3分" not in block
    assert "定义层:`x`" in block
    assert "层变更:覆盖" in block
    assert "定义层:`cangzhou`" in rule_block(doc, "cz-5-tone")
    # everything not overridden is still there
    assert "固定扣10分〔原文〕" in rule_block(doc, "cz-5-complaint")
    assert "单层" not in doc


def test_layered_pack_shows_disabled_and_added_rules(tmp_path: Path) -> None:
    folder = _layer(
        tmp_path,
        '[[rules]]\nid = "cz-8-drunk"\ndisable = true\n\n'
        '[[rules]]\nid = "x-8-smoke"\nsection = 8\narticle = 41\ntitle = "吸烟"\n'
        'when = { type = "finding", article = 41, tag = "drunk_on_duty" }\nsupersedes = ["cz-8-person"]\n'
        'deduct = { kind = "per_person", points = 7, provenance = "interpreted", note = "示例" }\n'
        'reason = "x"\n',
    )
    doc = render_pack_docs(service_rules.load_pack(folder))
    assert "停用 扣分规则 `cz-8-drunk`(层 `x`,文件 `x/rules.toml`,原定义于 `cangzhou`)" in doc
    assert "新增 扣分规则 `x-8-smoke`(层 `x`,文件 `x/rules.toml`)" in doc
    assert "**`cz-8-drunk`**" not in doc
    article41 = doc[doc.index("#### 第41条\n") : doc.index("#### 第42条")]
    assert "**`x-8-smoke`**" in article41
    assert "每人(次)扣7分〔解释〕——示例" in rule_block(doc, "x-8-smoke")
    assert "被代替:`x-8-smoke`" in rule_block(doc, "cz-8-person")
