"""Dated amendments (issue 12, item 1): the text in force on each observation's date.

The bundled example (examples/cangzhou-amended) is the Cangzhou pack with one assumed amendment
in force from 2026-08-16: 第三章 15 → 10 points, 第八章 15 → 20, and a breach of labour discipline
(cz-8-person) 8 points per person-time instead of 5. The hand computations below use
examples/cangzhou-2026q3.jsonl.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules._amendments import split_reference, versions_of
from service_rules._model import AmendedText, Amendment
from service_rules.cli import main
from strategies import GenPack, Observations, scenarios

ROOT = Path(__file__).resolve().parent.parent
AMENDED = str(ROOT / "examples" / "cangzhou-amended")
QUARTER = str(ROOT / "examples" / "cangzhou-2026q3.jsonl")
AS_OF = "2026-11-27"


def cards(result: sr.ScoreResult) -> dict[str, sr.Scorecard]:
    return {c.outlet: c for c in result.scorecards}


def section(card: sr.Scorecard, number: int) -> Any:
    return next(s for s in card.sections if s.number == number)


@pytest.fixture(scope="module")
def amended() -> sr.ScoreResult:
    return sr.score(AMENDED, [QUARTER], as_of=AS_OF, period="2026Q3")


@pytest.fixture(scope="module")
def original() -> sr.ScoreResult:
    return sr.score("cangzhou", [QUARTER], as_of=AS_OF, period="2026Q3")


def test_the_example_loads_one_amendment() -> None:
    pack = sr.load_pack(AMENDED)
    assert [a.amendment.id for a in pack.amendments] == ["cz-2026-08"]
    assert pack.amendments[0].amendment.effective == "2026-08-16"
    assert pack.amendments[0].amendment.provenance == "assumed"
    text = pack.amendments[0].pack
    assert {s.number: s.allotment.value for s in text.sections if s.allotment} == {
        **{s.number: s.allotment.value for s in pack.sections if s.allotment},
        3: 10,
        8: 20,
    }
    assert text.rule_layers["cz-8-person"] == "cz-2026-08"
    assert not text.amendments
    assert pack.digest != text.digest


def test_a_finding_is_judged_by_the_text_of_its_date(amended: sr.ScoreResult, original: sr.ScoreResult) -> None:
    a, o = cards(amended), cards(original)
    # HJ-02, 2026-07-15 (before the amendment): 第40条, 2 persons × 5 = 10, under the original text.
    late = next(d for d in a["HJ-02"].deductions if d.observations == ("HJ-2026Q3-02-2",))
    assert (late.rule, late.points, late.persons, late.layer) == ("cz-8-person", 10, 2, "cangzhou")
    # RQ-02, 2026-09-10 (after): 第41条, 2 employees × 8 = 16 (the original text: 10).
    chat = next(d for d in a["RQ-02"].deductions if d.observations == ("CITY-2026Q3-01-2",))
    assert (chat.rule, chat.points, chat.persons, chat.layer) == ("cz-8-person", 16, 2, "cz-2026-08")
    assert "每人(次)扣8分" in chat.reason
    assert next(d for d in o["RQ-02"].deductions if d.observations == ("CITY-2026Q3-01-2",)).points == 10


def test_allotments_are_those_in_force_on_the_quarters_last_day(
    amended: sr.ScoreResult, original: sr.ScoreResult
) -> None:
    a, o = cards(amended), cards(original)
    for card in a.values():  # 2026-09-30 is after 2026-08-16: the amended allotments, every card
        assert (section(card, 3).allotment, section(card, 8).allotment) == (10, 20)
        assert card.versions == ("cz-2026-08",)
    # RQ-02: 100 − 2 (第19条) − 16 = 82; the original: 100 − 2 − 10 = 88.
    assert (a["RQ-02"].total, o["RQ-02"].total) == (82, 88)
    # HJ-02: 第八章 20 − 10 = 10, 第四章 15 − 1 = 14 → 10 + 14 + 10 + 20 + 20 + 15 = 89 (= original 89).
    assert (section(a["HJ-02"], 8).score, a["HJ-02"].total, o["HJ-02"].total) == (10, 89, 89)
    # HJ-01: 第三章 10 − 1 = 9; total 82 as before (the allotments still add up to 100).
    assert (section(a["HJ-01"], 3).score, a["HJ-01"].total) == (9, 82)
    assert all(c.versions == () for c in original.scorecards)


def test_ladders_count_across_versions(amended: sr.ScoreResult, original: sr.ScoreResult) -> None:
    # 任丘's lapses: L-2026-RQ-01 (May, original text) is the 1st, cz-5-unfound (September, amended) the 2nd.
    written = [a for a in amended.actions if a.subject == "任丘" and a.action == "written_review"]
    assert len(written) == 1 and "本年度第2次" in written[0].reason
    assert sr.score(AMENDED, [QUARTER], as_of=AS_OF).actions == sr.score("cangzhou", [QUARTER], as_of=AS_OF).actions


def test_a_reference_with_a_day_is_the_text_in_force() -> None:
    before = sr.score(AMENDED + "@2026-08-15", [QUARTER], as_of=AS_OF, period="2026Q3")
    after = sr.score(AMENDED + "@2026-08-16", [QUARTER], as_of=AS_OF, period="2026Q3")
    b, a = cards(before), cards(after)
    assert (b["RQ-02"].total, section(b["RQ-02"], 8).allotment, b["RQ-02"].versions) == (88, 15, ())
    # everything by the amended text: HJ-02's July finding too, 2 × 8 = 16 → 第八章 20 − 16 = 4
    assert (section(a["HJ-02"], 8).score, a["HJ-02"].total) == (4, 83)
    assert before.pack.digest != after.pack.digest
    assert sr.load_pack(AMENDED + "@2026-12-31").digest == sr.load_pack(AMENDED + "@2026-08-16").digest
    assert sr.load_pack("cangzhou@2026-12-31") == sr.load_pack("cangzhou")  # no amendments: itself


@pytest.mark.parametrize("ref", ["cangzhou@2026-13-01", "cangzhou@yesterday", "cangzhou@", "cangzhou@2100-01-01"])
def test_a_bad_day_in_a_reference_is_refused(ref: str) -> None:
    with pytest.raises(sr.PackNotFoundError, match="YYYY-MM-DD"):
        sr.load_pack(ref)


def test_split_reference() -> None:
    assert split_reference("cangzhou@2026-12-31") == ("cangzhou", "2026-12-31")
    assert split_reference("./packs/x@2027-01-01") == ("./packs/x", "2027-01-01")
    assert split_reference("./a@b/c") == ("./a@b/c", None)  # an @ inside a path
    assert split_reference("./tianjin@v2") == ("./tianjin@v2", None)


def test_docs_and_diff_take_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", AMENDED + "@2026-08-15"]) == 0
    before = capsys.readouterr().out
    assert main(["docs", AMENDED + "@2026-09-01"]) == 0
    after = capsys.readouterr().out
    assert before != after and "每人(次)扣8分" in after and "每人(次)扣8分" not in before
    code = main(
        ["diff", AMENDED + "@2026-08-15", AMENDED + "@2026-08-16", "--observations", QUARTER, "--format", "json"]
    )
    assert code == 0
    diff = json.loads(capsys.readouterr().out)
    assert "RQ-02" in json.dumps(diff, ensure_ascii=False)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "amended"
    shutil.copytree(AMENDED, folder)
    return folder


def test_amendments_out_of_date_order_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(tmp_path)
    (folder / "amendments" / "second").mkdir()
    (folder / "amendments" / "second" / "sections.toml").write_text(
        '[[sections]]\nnumber = 3\noverride = true\nallotment = { value = 12, provenance = "assumed", note = "x" }\n',
        encoding="utf-8",
    )
    text = (folder / "amendments.toml").read_text(encoding="utf-8")
    for day in ("2026-08-16", "2026-07-01"):  # the same day, then an earlier one
        extra = (
            f'\n[[amendments]]\nid = "second"\neffective = "{day}"\ndocument = "某文"\nfolder = "amendments/second"\n'
        )
        (folder / "amendments.toml").write_text(text + extra, encoding="utf-8")
        with pytest.raises(sr.PackError) as caught:
            sr.load_pack(folder)
        [problem] = caught.value.problems
        assert (problem.code, problem.path) == ("amendment_order", "$.amendments[1].effective")
        assert problem.file is not None and problem.file.endswith("amendments.toml")
        assert main(["check", str(folder)]) == 2
        assert "amendment_order" in capsys.readouterr().out
    extra = (
        '\n[[amendments]]\nid = "second"\neffective = "2026-10-01"\ndocument = "某文"\nfolder = "amendments/second"\n'
    )
    (folder / "amendments.toml").write_text(text + extra, encoding="utf-8")
    pack = sr.load_pack(folder)
    versions = versions_of(pack)
    assert versions.ids == (None, "cz-2026-08", "second")
    assert [versions.index_at(d) for d in ("2026-08-15", "2026-08-16", "2026-09-30", "2026-10-01")] == [0, 1, 1, 2]
    assert versions.index_at_end("2026Q3") == 1 and versions.index_at_end("2026Q4") == 2


@pytest.mark.parametrize(
    ("entry", "code", "path"),
    [
        ('id = "x"\neffective = "2026-02-30"\ndocument = "某文"\nfolder = "amendments/cz-2026-08"', "invalid_value", "effective"),
        ('id = "x"\neffective = "2026-09-01"\ndocument = "某文"\nfolder = "../elsewhere"', "invalid_value", "folder"),
        ('id = "x"\neffective = "2026-09-01"\ndocument = "某文"\nfolder = "nowhere"', "missing_folder", "folder"),
        ('id = "x"\neffective = "2026-09-01"\ndocument = "某文"\nfolder = "amendments/cz-2026-08"\nprovenance = "assumed"', "missing_note", "note"),
        ('id = "x"\neffective = "2026-09-01"\nfolder = "amendments/cz-2026-08"', "missing_key", "document"),
    ],
)  # fmt: skip
def test_an_amendments_mistakes_are_located(tmp_path: Path, entry: str, code: str, path: str) -> None:
    folder = _copy(tmp_path)
    (folder / "amendments.toml").write_text(f"[[amendments]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(sr.PackError) as caught:
        sr.load_pack(folder)
    assert [(p.code, p.file, p.path) for p in caught.value.problems] == [
        (code, "cangzhou-amended/amendments.toml", f"$.amendments[0].{path}")
    ]


def test_a_mistake_inside_an_amendment_is_located_in_its_folder(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    rules = folder / "amendments" / "cz-2026-08" / "rules.toml"
    rules.write_text(
        rules.read_text(encoding="utf-8") + '\n[[rules]]\nid = "no-such-rule"\noverride = true\nsection = 8\n',
        encoding="utf-8",
    )
    with pytest.raises(sr.PackError) as caught:
        sr.load_pack(folder)
    [problem] = caught.value.problems
    assert (problem.code, problem.file, problem.path) == (
        "override_missing",
        "cangzhou-amended/amendments/cz-2026-08/rules.toml",  # under the pack, as its other files
        "$.rules[1]",
    )
    assert "cz-2026-08" in problem.message
    # in Chinese, as an amendment's other messages (a clerk's trial found it in English)
    assert problem.message.startswith("rules 条目 'no-such-rule' 标注了修订"), problem.message


def test_a_compile_error_of_an_amended_text_says_which(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    sections = folder / "amendments" / "cz-2026-08" / "sections.toml"
    sections.write_text(
        sections.read_text(encoding="utf-8").replace(
            'provenance = "assumed", note = "示例修订(假定):第八章分值由15分调为20分,全篇合计仍为100分。"',
            'provenance = "assumed"',
        ),
        encoding="utf-8",
    )
    with pytest.raises(sr.PackError) as caught:
        sr.compile_pack(sr.load_pack(folder))
    assert any("修订 cz-2026-08 起施行的文本" in p.message for p in caught.value.problems)


def test_an_amended_compiled_pack_pickles_and_closes() -> None:
    compiled = sr.compile_pack(sr.load_pack(AMENDED))
    assert compiled.versions is not None and len(compiled.versions) == 2
    again = pickle.loads(pickle.dumps(compiled))
    assert again.versions is not None and again.versions.ids == (None, "cz-2026-08")
    assert sr.score(again, [QUARTER], as_of=AS_OF).to_dict() == sr.score(compiled, [QUARTER], as_of=AS_OF).to_dict()
    compiled.close()
    assert all(v.closed for v in compiled.versions.items)
    again.close()


# ---- the law: an amendment dated after every observation changes nothing -------------------------


def _raised(pack: sr.Pack) -> sr.Pack:
    """The same text with every allotment one point higher (a change every card would show)."""
    sections = [
        attrs.evolve(s, allotment=sr.Quantity(s.allotment.value + 1, "literal")) if s.allotment else s
        for s in pack.sections
    ]
    meta = pack.meta
    if meta.total is not None:
        stated = sum(s.allotment.value for s in sections if s.scored and s.allotment)
        meta = attrs.evolve(meta, total=sr.Quantity(stated, "literal"))
    return attrs.evolve(pack, meta=meta, sections=sections)


_compiled: dict[str, tuple[sr.CompiledPack, sr.CompiledPack]] = {}


@settings(max_examples=30, deadline=None)
@given(case=scenarios(), day=st.sampled_from(("2027-01-01", "2031-06-30")))
def test_an_amendment_after_every_observation_changes_nothing(case: tuple[GenPack, Observations], day: str) -> None:
    gp, obs = case
    key = repr(gp.pack) + day
    if key not in _compiled:
        amendment = Amendment(id="later", effective=day, document="某文", folder="amendments/later")
        amended = attrs.evolve(gp.pack, amendments=[AmendedText(amendment, _raised(gp.pack))], digest="sha256:other")
        _compiled[key] = (sr.compile_pack(gp.pack), sr.compile_pack(amended))
    plain, amended_c = _compiled[key]
    for period in (None, "2026Q3"):
        a = sr.score(plain, [sr.Records(list(obs.records))], as_of="2026-11-27", period=period).to_dict()
        b = sr.score(amended_c, [sr.Records(list(obs.records))], as_of="2026-11-27", period=period).to_dict()
        assert a.pop("pack") != b.pop("pack")
        assert a == b


# ---- what judges what: hand-computed on the example quarter ---------------------------------------


def _amend(tmp_path: Path, effective: str, files: dict[str, str]) -> str:
    """The example pack with its amendment replaced: ``files`` in its folder, from ``effective``."""
    folder = _copy(tmp_path)
    amendment = folder / "amendments" / "cz-2026-08"
    for old in amendment.iterdir():
        old.unlink()
    for name, text in files.items():
        (amendment / name).write_text(text, encoding="utf-8")
    table = folder / "amendments.toml"
    table.write_text(
        table.read_text(encoding="utf-8").replace('effective = "2026-08-16"', f'effective = "{effective}"'),
        encoding="utf-8",
    )
    return str(folder)


_CADENCE = """
[[cadences]]
id = "cz-4-cadence"
override = true
min_inspections = { value = 2, provenance = "assumed", note = "示例修订:每季度至少检查两次。" }
"""


@pytest.mark.parametrize(("effective", "short"), [("2026-09-30", ["任丘", "河间", "泊头"]), ("2026-10-01", ["泊头"])])
def test_a_quarters_cadence_is_the_one_in_force_on_its_last_day(
    tmp_path: Path, effective: str, short: list[str]
) -> None:
    # Two county inspections a quarter from `effective`: in Q3 every outlet had at most one (HJ-01,
    # HJ-02, RQ-01, RQ-02, BT-01 one each; BT-02 none), so all three counties fall short when the
    # amendment is in force on 2026-09-30; from 2026-10-01 Q3 is judged by the original (泊头 only).
    pack = _amend(tmp_path, effective, {"oversight.toml": _CADENCE})
    result = sr.score(pack, [QUARTER], as_of=AS_OF, period="2026Q3")
    missed = {a.subject: a.outlets for a in result.actions if a.action == "missed_inspection"}
    assert sorted(missed) == sorted(short)
    assert missed["泊头"] == (("BT-01", "BT-02") if len(short) == 3 else ("BT-02",))


_LADDER = """
[[ladders]]
id = "cz-3-escalation"
override = true
steps_provenance = "assumed"
steps_note = "示例修订:第二次起即给予纪律处分。"

[[ladders.steps]]
action = "rectification_notice"
label = "下《沧州市联社优质文明服务限期纠改通知书》"

[[ladders.steps]]
action = "disciplinary_action"
label = "给予纪律处分,并通报全市"
circulate = true
"""


def test_a_ladder_counts_on_through_an_amendment(tmp_path: Path) -> None:
    # 任丘: L-2026-RQ-01 (2026-05-20, original text) is the 1st lapse; the city check of 2026-09-10
    # (amended text) the 2nd, whose step the amended ladder names: 纪律处分 instead of 书面检查.
    result = sr.score(_amend(tmp_path, "2026-08-16", {"oversight.toml": _LADDER}), [QUARTER], as_of=AS_OF)
    steps = [(a.date, a.action) for a in result.actions if a.subject == "任丘" and a.rule == "cz-3-escalation"]
    assert steps == [("2026-05-20", "rectification_notice"), ("2026-09-10", "disciplinary_action")]
    second = next(a for a in result.actions if a.action == "disciplinary_action")
    assert "本年度第2次" in second.reason and "给予纪律处分" in second.reason


_COMPLAINT = """
[[rules]]
id = "cz-5-complaint"
override = true
deduct = { kind = "fixed", points = 12, provenance = "assumed", note = "示例修订:经核实的投诉扣12分。" }
"""


def test_a_complaint_is_judged_by_the_text_of_its_date(tmp_path: Path) -> None:
    # C-2026-031 (HJ-01, 2026-08-11): 10 points before a 2026-08-11 amendment, 12 from it.
    for effective, points in (("2026-08-12", 10), ("2026-08-11", 12)):
        result = sr.score(_amend(tmp_path / effective, effective, {"rules.toml": _COMPLAINT}), [QUARTER], as_of=AS_OF)
        hj01 = cards(result)["HJ-01"]
        complaint = next(d for d in hj01.deductions if d.observations == ("C-2026-031",))
        assert complaint.points == points
        assert hj01.total == 82 - (points - 10)


_NEW_ARTICLE = """
[[articles]]
number = 45
status = "assumed"
section = 8
text = "营业时间内不得使用手机处理私人事务。"
note = "示例修订新增条文(假定)。"
quote = "不准"
"""


def test_an_article_added_by_an_amendment_is_known_from_its_day(tmp_path: Path) -> None:
    pack = _amend(tmp_path, "2026-08-16", {"articles.toml": _NEW_ARTICLE})
    try:
        sr.compile_pack(sr.load_pack(pack))
    except sr.PackError as exc:  # the new article must pass the pack's own checks first
        pytest.fail(str(exc.problems))
    records = [
        {"type": "finding", "id": f"P-{day}", "outlet": "HJ-01", "date": day, "article": 45, "persons": 1}
        for day in ("2026-08-15", "2026-08-16")
    ]
    result = sr.score(pack, [sr.Records(records)], as_of=AS_OF)
    assert [(r.id, r.code) for r in result.rejected] == [("P-2026-08-15", "unknown_article")]
    [card] = result.scorecards
    assert [(d.observations, d.points) for d in card.deductions] == [(("P-2026-08-16",), 5)]


def test_the_stream_and_the_result_agree_for_an_amended_pack() -> None:
    import io

    compiled = sr.compile_pack(sr.load_pack(AMENDED))
    out = io.BytesIO()
    sr.score_to_stream(compiled, [QUARTER], out, as_of=AS_OF)
    assert out.getvalue() == sr.score(compiled, [QUARTER], as_of=AS_OF).to_json() + b"\n"


def test_candidates_rank_by_the_amended_scores() -> None:
    amended = sr.candidates(AMENDED, [QUARTER], year=2026, as_of=AS_OF)
    original = sr.candidates("cangzhou", [QUARTER], year=2026, as_of=AS_OF)
    assert {e.outlet for e in amended.excluded} == {e.outlet for e in original.excluded}
    # RQ-02 drops from 88 to 82 (2 × 8 instead of 2 × 5 for its September finding), still third
    assert [(c.outlet, c.mean_total) for c in amended.candidates] == [("BT-01", 99), ("HJ-02", 89), ("RQ-02", 82)]
    assert [(c.outlet, c.mean_total) for c in original.candidates] == [("BT-01", 99), ("HJ-02", 89), ("RQ-02", 88)]


def test_a_section_an_amendment_stops_scoring_keeps_earlier_deductions(tmp_path: Path) -> None:
    # From 2026-08-16 第八章 is not scored (total 85): HJ-02's late employees of 2026-07-15 were
    # deducted under the original text and stay on its Q3 card (八 15 − 10 = 5, total 89); RQ-02's
    # 第41条 finding of 2026-09-10 is rejected (article_not_scored); BT-01's card has no 第八章.
    pack = _amend(
        tmp_path,
        "2026-08-16",
        {
            "pack.toml": '[pack]\ntotal = { value = 85, provenance = "assumed", note = "示例" }\n',
            "sections.toml": "[[sections]]\nnumber = 8\noverride = true\nscored = false\n",
            "rules.toml": '[[rules]]\nid = "cz-8-person"\ndisable = true\n\n[[rules]]\nid = "cz-8-drunk"\ndisable = true\n',
        },
    )
    result = sr.score(pack, [QUARTER], as_of=AS_OF, period="2026Q3")
    c = cards(result)
    assert (section(c["HJ-02"], 8).score, c["HJ-02"].total) == (5, 89)
    assert 8 not in {s.number for s in c["BT-01"].sections} and c["BT-01"].total == 84
    assert [(r.id, r.code) for r in result.rejected] == [("CITY-2026Q3-01-2", "article_not_scored")]


_before: dict[str, tuple[sr.CompiledPack, sr.CompiledPack]] = {}


@settings(max_examples=20, deadline=None)
@given(case=scenarios())
def test_an_amendment_before_every_observation_scores_like_the_amended_text(
    case: tuple[GenPack, Observations],
) -> None:
    gp, obs = case
    key = repr(gp.pack)
    if key not in _before:
        amendment = Amendment(id="early", effective="2000-01-01", document="某文", folder="amendments/early")
        text = _raised(gp.pack)
        amended = attrs.evolve(gp.pack, amendments=[AmendedText(amendment, text)], digest="sha256:other")
        _before[key] = (sr.compile_pack(text), sr.compile_pack(amended))
    alone, amended_c = _before[key]
    a = sr.score(alone, [sr.Records(list(obs.records))], as_of="2026-11-27").to_dict()
    b = sr.score(amended_c, [sr.Records(list(obs.records))], as_of="2026-11-27").to_dict()
    a.pop("pack"), b.pop("pack")
    for card in b["scorecards"]:
        assert card.pop("versions") == ["early"]
    for card in a["scorecards"]:
        assert card.pop("versions") == []
    assert a == b


@pytest.mark.parametrize("key", ["name", "extends", "period"])
def test_an_amendment_cannot_change_what_the_pack_is(tmp_path: Path, key: str) -> None:
    value = {"name": '"other"', "extends": '"generic"', "period": '"month"'}[key]
    pack = _amend(tmp_path, "2026-08-16", {"pack.toml": f"[pack]\n{key} = {value}\n"})
    with pytest.raises(sr.PackError) as caught:
        sr.load_pack(pack)
    assert [(p.code, p.file, p.path) for p in caught.value.problems] == [
        ("invalid_value", "cangzhou-amended/amendments/cz-2026-08/pack.toml", f"$.pack.{key}")
    ]


def test_check_lists_the_amendments_and_their_changes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", AMENDED]) == 0
    out = capsys.readouterr().out
    assert "amendment: cz-2026-08 in force from 2026-08-16" in out
    assert (
        "layer: cz-2026-08 overrides rules cz-8-person (from cangzhou) at cangzhou-amended/amendments/cz-2026-08/rules.toml"
        in out
    )
    assert main(["check", AMENDED, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(a["id"], a["effective"], a["folder"]) for a in report["amendments"]] == [
        ("cz-2026-08", "2026-08-16", "amendments/cz-2026-08")
    ]
    assert {(c["layer"], c["key"]) for c in report["changes"]} >= {("cz-2026-08", "3"), ("cz-2026-08", "8")}


def test_the_examples_amendments_file_validates_against_its_schema() -> None:
    import tomllib

    import jsonschema

    from service_rules._schema import pack_schemas

    schema = pack_schemas()["amendments.toml"]
    data = tomllib.loads((Path(AMENDED) / "amendments.toml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"amendments": [{**data["amendments"][0], "date": "2026-08-16"}]}, schema)


def _stricter(pack: sr.Pack) -> sr.Pack:
    """The raised text, with every fixed deduction one point dearer (rules then differ by date)."""
    rules = [
        attrs.evolve(r, deduct=attrs.evolve(r.deduct, points=r.deduct.points + 1, provenance="literal", note=None))
        if r.deduct is not None and r.deduct.kind == "fixed" and r.deduct.points is not None
        else r
        for r in pack.rules
    ]
    return attrs.evolve(_raised(pack), rules=rules)


_split: dict[str, sr.CompiledPack] = {}


@settings(max_examples=30, deadline=None)
@given(case=scenarios(), data=st.data())
def test_the_order_of_records_does_not_change_an_amended_result(
    case: tuple[GenPack, Observations], data: st.DataObject
) -> None:
    # An amendment inside 2026Q3 (records fall on 2026-07-14 and 2026-09-30, among others): each
    # record is judged by its own day's text whatever came before it.
    gp, obs = case
    key = repr(gp.pack)
    if key not in _split:
        amendment = Amendment(id="mid", effective="2026-08-01", document="某文", folder="amendments/mid")
        amended = attrs.evolve(gp.pack, amendments=[AmendedText(amendment, _stricter(gp.pack))])
        _split[key] = sr.compile_pack(amended)
    compiled = _split[key]
    shuffled = data.draw(st.permutations(obs.records), label="shuffled")
    a = sr.score(compiled, [sr.Records(list(obs.records))], as_of="2026-11-27").to_dict()
    b = sr.score(compiled, [sr.Records(list(shuffled))], as_of="2026-11-27").to_dict()
    c = sr.score(compiled, [sr.Records(list(obs.records))], as_of="2026-11-27", reuse_matches=False).to_dict()
    for field in ("scorecards", "actions"):
        assert a[field] == b[field] == c[field], field

    def rejected(result: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted((r["id"], r["code"], r["error"]) for r in result["rejected"])

    assert rejected(a) == rejected(b) == rejected(c)
    rules = {r.id: r for r in gp.pack.rules}
    for card in a["scorecards"]:
        for d in card["deductions"]:  # a fixed deduction costs one point more from the amendment's day
            deduct = rules[d["rule"]].deduct
            if deduct is not None and deduct.kind == "fixed" and deduct.points is not None:
                assert d["raw_points"] == deduct.points + (d["date"] >= "2026-08-01")
        if card["period"] == "2026Q3":
            assert card["versions"] == ["mid"]
        elif card["period"] < "2026Q3":
            assert card["versions"] == []


def test_the_parallel_reader_judges_by_the_text_of_the_day(tmp_path: Path) -> None:
    # Regression: the workers asked the original text about every finding.
    from service_rules import _parallel
    from service_rules._evaluate import result_of
    from service_rules._ingest import ingest

    if not _parallel.can_fork():
        pytest.skip("no fork on this platform")
    path = tmp_path / "q.jsonl"
    lines = [
        json.dumps({"type": "finding", "id": f"f{i}", "outlet": f"O-{i % 7}", "date": f"2026-08-{10 + i % 12:02d}",
                    "article": 40, "persons": 1 + i % 3})
        for i in range(3000)
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    compiled = sr.compile_pack(sr.load_pack(AMENDED))
    serial = ingest(compiled, [path])
    parallel = _parallel.ingest_parallel(compiled, [path], workers=2, min_bytes=0, chunk_bytes=20_000)
    assert parallel == serial
    result = result_of(compiled, serial, as_of=_date(AS_OF))
    assert result.to_json() == result_of(compiled, parallel, as_of=_date(AS_OF)).to_json()
    # 2026-08-10 … 08-15 cost 5 per person-time, 08-16 … 08-21 cost 8
    for card in result.scorecards:
        for d in card.deductions:
            assert d.points == d.persons * (8 if d.date >= "2026-08-16" else 5)


def _date(text: str) -> Any:
    import datetime

    return datetime.date.fromisoformat(text)


_PASS_MARK = """
[[thresholds]]
id = "pass-mark"
title = "季度得分低于85分限期整改"
quantity = "total"
compare = "lt"
value = { value = 85, provenance = "assumed", note = "示例修订:新设及格线。" }
action = "rectify"
label = "限期整改"
reason = "{subject}{window_words}总分{quantity}分,低于{value}分,{label}。"
"""


@pytest.mark.parametrize(("effective", "expected"), [("2026-09-30", ["HJ-01", "RQ-01"]), ("2026-10-01", [])])
def test_a_threshold_is_the_one_in_force_at_its_windows_end(
    tmp_path: Path, effective: str, expected: list[str]
) -> None:
    # A pass mark of 85 from `effective` (the amendment changes nothing else): in force on
    # 2026-09-30, Q3's cards under 85 (HJ-01 82, RQ-01 64) are sent to rectify; from 2026-10-01 Q3
    # is judged by the original text, which has no threshold.
    pack = _amend(tmp_path, effective, {"oversight.toml": _PASS_MARK})
    result = sr.score(pack, [QUARTER], as_of=AS_OF, period="2026Q3")
    assert sorted(a.subject for a in result.actions if a.action == "rectify") == expected


def test_an_appeal_amends_a_deduction_judged_by_the_amended_text() -> None:
    # CITY-2026Q3-01-2 (RQ-02, 2026-09-10) costs 2 × 8 = 16 under the amendment; amended on appeal
    # to 10 points: RQ-02 100 − 2 − 10 = 88, and the deduction keeps original_points 16.
    records = [
        json.loads(line) for line in Path(QUARTER).read_text(encoding="utf-8").splitlines() if line.strip()
    ] + [
        {"type": "appeal", "id": "A-1", "target": "CITY-2026Q3-01-2", "filed": "2026-09-20", "by": "任丘",
         "reason": "按修订前标准", "decided": "2026-10-20", "decision": "amended", "points": 10},
    ]  # fmt: skip
    result = sr.score(AMENDED, [sr.Records(records)], as_of=AS_OF, period="2026Q3")
    rq02 = cards(result)["RQ-02"]
    chat = next(d for d in rq02.deductions if d.observations == ("CITY-2026Q3-01-2",))
    assert (chat.points, chat.original_points, rq02.total, rq02.versions) == (10, 16, 88, ("cz-2026-08",))


@pytest.mark.parametrize("key", ["fines", "employees"])
def test_an_amendment_of_fines_or_the_ledger_is_refused(tmp_path: Path, key: str) -> None:
    pack = _amend(
        tmp_path, "2026-08-16", {"money.toml": f'[[{key}]]\nid = "x"\n' if key == "fines" else "[employees]\n"}
    )
    with pytest.raises(sr.PackError) as caught:
        sr.load_pack(pack)
    assert [(p.code, p.file, p.path) for p in caught.value.problems] == [
        ("unsupported_amendment", "cangzhou-amended/amendments/cz-2026-08/money.toml", f"$.{key}")
    ]


def test_the_examples_own_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", AMENDED]) == 0
    assert "3/3 个用例通过" in capsys.readouterr().out


def test_the_example_quarter_with_appeals_a_correction_and_an_amendment() -> None:
    """The bundled quarter, its appeals and correction (examples/cangzhou-2026q3-appeals.jsonl) under
    the amended pack, by hand. Q3's allotments are the amended ones (三 10, 八 20; still 100):
    HJ-01 100 − 1 (第12条) − 5 (第26条) − 10 (C-2026-031); 第18条 overturned → 84.
    HJ-02 100 − 1 (第15条) − 5 (the correction, 2026-07-15: one person-time at the original 5) → 94.
    RQ-01 五 20 − 3 − 20 = −3, 六 20 − 1 (第28条 amended to 1) = 19, 八 20 − 10 (酒后上岗) = 10,
    三 10, 四 15, 七 15 → 66.  RQ-02 100 − 2 − 2 × 8 (2026-09-10, the amended text) → 82.
    BT-01 99 (its appeal pending). L-2026-RQ-01 overturned: 任丘's cross-check lapse of
    2026-09-10 is the year's first, a rectification notice."""
    appeals = ROOT / "examples" / "cangzhou-2026q3-appeals.jsonl"
    result = sr.score(AMENDED, [QUARTER, str(appeals)], as_of=AS_OF, period="2026Q3")
    assert result.rejected == ()
    c = cards(result)
    assert {o: c[o].total for o in ("HJ-01", "HJ-02", "RQ-01", "RQ-02", "BT-01")} == {
        "HJ-01": 84,
        "HJ-02": 94,
        "RQ-01": 66,
        "RQ-02": 82,
        "BT-01": 99,
    }
    assert all(card.versions == ("cz-2026-08",) for card in result.scorecards)
    corrected = next(d for d in c["HJ-02"].deductions if d.observations == ("HJ-2026Q3-02-2R",))
    assert (corrected.points, corrected.layer) == (5, "cangzhou")
    renqiu = [(a.date, a.action) for a in result.actions if a.subject == "任丘" and a.rule == "cz-3-escalation"]
    assert renqiu == [("2026-09-10", "rectification_notice")]


def test_the_bulletin_names_the_amendment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--pack", AMENDED, "--as-of", AS_OF, "--format", "markdown", QUARTER]) == 0
    assert "本期评分适用修订 cz-2026-08(2026-08-16 起施行,关于修订" in capsys.readouterr().out
    assert main(["score", "--pack", "cangzhou", "--as-of", AS_OF, "--format", "markdown", QUARTER]) == 0
    assert "适用修订" not in capsys.readouterr().out


_noop: dict[str, tuple[sr.CompiledPack, sr.CompiledPack]] = {}


@settings(max_examples=30, deadline=None)
@given(case=st.one_of(scenarios(), scenarios(caps="all")), day=st.sampled_from(("2026-04-01", "2026-08-01")))
def test_an_amendment_that_changes_nothing_changes_no_result(case: tuple[GenPack, Observations], day: str) -> None:
    # The same text again from a day inside the records' span: caps, supersession, pending
    # references and ladders must not notice the seam (only `versions` names it).
    gp, obs = case
    key = repr(gp.pack) + day
    if key not in _noop:
        amendment = Amendment(id="same", effective=day, document="某文", folder="amendments/same")
        amended = attrs.evolve(gp.pack, amendments=[AmendedText(amendment, gp.pack)])
        _noop[key] = (sr.compile_pack(gp.pack), sr.compile_pack(amended))
    plain, amended_c = _noop[key]
    a = sr.score(plain, [sr.Records(list(obs.records))], as_of="2026-11-27").to_dict()
    b = sr.score(amended_c, [sr.Records(list(obs.records))], as_of="2026-11-27").to_dict()
    a.pop("pack"), b.pop("pack")
    for card in b["scorecards"]:
        card.pop("versions")
    for card in a["scorecards"]:
        card.pop("versions")
    assert a == b


def test_docs_of_a_day_says_which_text_it_renders(capsys: pytest.CaptureFixture[str]) -> None:
    """A clerk's trial: ``docs P@2026-08-09`` looked like the amended text; its head says which it is."""
    assert main(["docs", AMENDED + "@2026-08-15"]) == 0
    head = capsys.readouterr().out.splitlines()[:4]
    assert "> 本文为 2026-08-15 施行的文本:修订前的原文本(修订 cz-2026-08 自 2026-08-16 起施行)。" in head
    assert main(["docs", AMENDED + "@2026-08-16"]) == 0
    head = capsys.readouterr().out.splitlines()[:4]
    assert any(line.startswith("> 本文为 2026-08-16 施行的文本:自 2026-08-16 起施行的修订 cz-2026-08") for line in head)
    assert main(["docs", AMENDED]) == 0
    assert "施行的文本:" not in capsys.readouterr().out.splitlines()[2]


def test_diff_of_two_days_names_them(capsys: pytest.CaptureFixture[str]) -> None:
    """A clerk's trial: two days of one pack were headed by two identical name-and-version strings."""
    args = ["diff", AMENDED + "@2026-08-15", AMENDED + "@2026-08-16", "--observations", QUARTER, "--as-of", AS_OF]
    assert main(args) == 0
    heading = capsys.readouterr().out.splitlines()[0]
    assert "(2026-08-15 施行的文本) → " in heading and heading.endswith("(2026-08-16 施行的文本)")
    assert main([*args, "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert (diff["old_day"], diff["new_day"]) == ("2026-08-15", "2026-08-16")
    assert main(["diff", AMENDED, AMENDED, "--observations", QUARTER, "--as-of", AS_OF, "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert (diff["old_day"], diff["new_day"]) == (None, None)


def test_check_lists_an_amendments_own_mistakes_beside_its_texts(tmp_path: Path) -> None:
    """A clerk's trial: a renamed pack in an amendment's pack.toml hid the override_missing of its
    rules.toml until pack.toml was deleted; both are listed at once."""
    folder = _copy(tmp_path)
    inside = folder / "amendments" / "cz-2026-08"
    (inside / "pack.toml").write_text('[pack]\nname = "other"\nperiod = "month"\n', encoding="utf-8")
    rules = inside / "rules.toml"
    rules.write_text(
        rules.read_text(encoding="utf-8") + '\n[[rules]]\nid = "no-such-rule"\noverride = true\nsection = 8\n',
        encoding="utf-8",
    )
    with pytest.raises(sr.PackError) as caught:
        sr.load_pack(folder)
    assert sorted((p.code, p.path) for p in caught.value.problems) == [
        ("invalid_value", "$.pack.name"),
        ("invalid_value", "$.pack.period"),
        ("override_missing", "$.rules[1]"),
    ]
