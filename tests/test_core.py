"""The core's promises (docs/architecture.md): reason templates checked in every kind of rule, one
operator table behind the schema, compiled packs that pickle and release their engine, and a
library that leaves its caller's process as it found it."""

from __future__ import annotations

import gc
import pickle
from pathlib import Path

import jsonschema
import pytest

import service_rules as sr
from service_rules._conditions import OPERATORS
from service_rules._schema import pack_schemas
from service_rules._templates import PLACEHOLDERS, TemplateError, parse

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "cangzhou-2026q3.jsonl")
AS_OF = "2026-11-27"


def layer(tmp_path: Path, base: str, file: str, text: str) -> Path:
    folder = tmp_path / "layer"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        f'[pack]\nname = "layer"\ntitle = "t"\nversion = "1"\nextends = "{base}"\n', encoding="utf-8"
    )
    (folder / file).write_text(text, encoding="utf-8")
    return folder


# Each kind of rule with a reason, as a layer entry whose reason has an unknown placeholder.
KINDS = {
    "deduction": ("cangzhou", "rules.toml", '[[rules]]\nid = "cz-4-item"\noverride = true\nreason = "{subjct}"\n', "rules[0].reason"),
    "ladder": ("cangzhou", "oversight.toml", '[[ladders]]\nid = "cz-3-escalation"\noverride = true\nreason = "{subjct}"\n', "ladders[0].reason"),
    "cadence": ("cangzhou", "oversight.toml", '[[cadences]]\nid = "cz-4-cadence"\noverride = true\nreason = "{subjct}"\n', "cadences[0].reason"),
    "deadline_late": ("cangzhou", "oversight.toml", '[[deadlines]]\nid = "cz-4-report"\noverride = true\nlate_reason = "{subjct}"\n', "deadlines[0].late_reason"),
    "deadline_missing": ("cangzhou", "oversight.toml", '[[deadlines]]\nid = "cz-4-report"\noverride = true\nmissing_reason = "{subjct}"\n', "deadlines[0].missing_reason"),
    "crosscheck": ("cangzhou", "oversight.toml", '[[crosschecks]]\nid = "cz-5-unfound"\noverride = true\nreason = "{subjct}"\n', "crosschecks[0].reason"),
    "streak": ("generic", "oversight.toml", '[[streaks]]\nid = "g-star-trip"\noverride = true\nreason = "{subjct}"\n', "streaks[0].reason"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_unknown_placeholder_is_a_located_error_in_every_kind(tmp_path: Path, kind: str) -> None:
    base, file, text, path = KINDS[kind]
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(layer(tmp_path, base, file, text)))
    [problem] = [p for p in err.value.problems if p.code == "unknown_placeholder"]
    assert problem.file is not None and problem.file.endswith(file)
    assert problem.path == f"$.{path}"
    assert "{subjct}" in problem.message
    for known in PLACEHOLDERS[kind]:
        assert known in problem.message  # the message lists what the kind provides


def test_an_exclusion_reason_takes_no_placeholder(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(ROOT / "src/service_rules/policies/cangzhou", folder)
    lines = (folder / "oversight.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index('code = "drunk_on_duty"')
    at = next(i for i in range(start, len(lines)) if lines[i].startswith("reason = "))
    lines[at] = 'reason = "酒后上岗({outlet})"'
    (folder / "oversight.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    [problem] = [p for p in err.value.problems if p.code == "unknown_placeholder"]
    assert problem.path == "$.recommendation.exclude[2].reason" and "known: none" in problem.message


@pytest.mark.parametrize("bad", ["{points:>3}", "{points!r}", "{tag.upper}", "{}", "{points", "points}"])
def test_format_specs_conversions_and_broken_braces_are_refused(bad: str) -> None:
    with pytest.raises(TemplateError):
        parse(f"扣{bad}分")


def test_a_format_spec_in_a_pack_is_a_located_error(tmp_path: Path) -> None:
    folder = layer(
        tmp_path, "cangzhou", "rules.toml", '[[rules]]\nid = "cz-4-item"\noverride = true\nreason = "扣{points:>3}分"\n'
    )
    with pytest.raises(sr.PackError) as err:
        sr.compile_pack(sr.load_pack(folder))
    [problem] = [p for p in err.value.problems if p.path == "$.rules[0].reason"]
    assert problem.code == "invalid_template" and "format specs" in problem.message


def test_templates_render_as_checked() -> None:
    t = parse("第{article}条:{{原文}}扣{points}分{tag}")
    assert t.render({"article": 18, "points": 3, "tag": None}) == "第18条:{原文}扣3分"


# ---- one operator table ------------------------------------------------------------------
def test_the_shipped_schema_accepts_every_operator_the_loader_accepts() -> None:
    schema = pack_schemas()["rules.toml"]
    for op in OPERATORS:
        value: object = [1, 2] if op == "in" else (True if op == "exists" else 5)
        doc = {"rules": [{"id": "r", "section": 1, "when": {"type": "finding", "points": {op: value}}, "reason": "r"}]}
        jsonschema.validate(doc, schema)  # raises if the schema refuses the operator
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {
                "rules": [
                    {"id": "r", "section": 1, "when": {"type": "finding", "points": {"between": 5}}, "reason": "r"}
                ]
            },
            schema,
        )


def test_the_pack_format_documents_every_operator() -> None:
    text = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")
    for op in OPERATORS:
        assert f"`{op}`" in text, op


# ---- compiled packs: pickle, close, memory --------------------------------------------------
@pytest.mark.parametrize("matcher", ["python", "auto"])
def test_a_pickled_compiled_pack_scores_identically(matcher: str) -> None:
    compiled = sr.compile_pack(sr.load_pack("cangzhou"), matcher=matcher)
    again = pickle.loads(pickle.dumps(compiled))
    assert again.matcher.name == compiled.matcher.name
    assert sr.score(again, [EXAMPLE], as_of=AS_OF).to_json() == sr.score(compiled, [EXAMPLE], as_of=AS_OF).to_json()


@pytest.mark.parametrize("matcher", ["python", "auto"])
def test_a_closed_pack_refuses_to_score_and_closing_twice_is_harmless(matcher: str) -> None:
    with sr.compile_pack(sr.load_pack("cangzhou"), matcher=matcher) as compiled:
        sr.score(compiled, [EXAMPLE], as_of=AS_OF)  # every shape of the example decided and cached
        assert not compiled.closed
    assert compiled.closed
    compiled.close()
    with pytest.raises(sr.EngineError):
        sr.score(compiled, [EXAMPLE], as_of=AS_OF)


def test_closing_one_pack_leaves_another_of_the_same_pack_working() -> None:
    pack = sr.load_pack("cangzhou")
    first, second = sr.compile_pack(pack), sr.compile_pack(pack)
    expected = sr.score(second, [EXAMPLE], as_of=AS_OF).to_json()
    first.close()
    assert sr.score(second, [EXAMPLE], as_of=AS_OF).to_json() == expected


def _rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
def test_compile_score_close_keeps_memory_flat(tmp_path: Path) -> None:
    variant = layer(
        tmp_path,
        "cangzhou",
        "rules.toml",
        '[[rules]]\nid = "cz-4-item"\noverride = true\nreason = "变体:第{article}条扣{points}分。"\n',
    )
    """2,000 compile-score-close cycles of two different packs grow the process by < 50 MB.

    The two packs are cangzhou and a layer over it with a rule of its own (both compile in
    milliseconds; the generic pack takes a tenth of a second and would only slow the test)."""
    packs = [sr.load_pack("cangzhou"), sr.load_pack(variant)]
    records = [{"type": "finding", "id": "f1", "outlet": "A", "date": "2026-08-01", "article": 18, "points": 2}]
    for i in range(50):  # warm every cache first
        with sr.compile_pack(packs[i % 2]) as c:
            sr.score(c, [sr.Records(records)], as_of=AS_OF)
    gc.collect()
    before = _rss_mib()
    for i in range(2000):
        with sr.compile_pack(packs[i % 2]) as c:
            sr.score(c, [sr.Records(records)], as_of=AS_OF)
    gc.collect()
    assert _rss_mib() - before < 50


@pytest.mark.parametrize("enabled", [True, False])
def test_score_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        sr.score("cangzhou", [EXAMPLE], as_of=AS_OF)
        assert gc.isenabled() is enabled
        result = sr.candidates("cangzhou", [EXAMPLE], year=2026, as_of=AS_OF)
        assert result.candidates and gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_library_errors_name_api_arguments_not_flags() -> None:
    with pytest.raises(sr.UsageError) as err:
        sr.score("cangzhou", [EXAMPLE], period="2026Q5")
    assert err.value.param == "period" and str(err.value).startswith("period=") and "--" not in str(err.value)
    with pytest.raises(sr.UsageError) as err:
        sr.candidates("cangzhou", [EXAMPLE], year=2026, top=0)
    assert err.value.param == "top" and "--" not in str(err.value)
    with pytest.raises(sr.UsageError) as err:
        sr.compile_pack(sr.load_pack("cangzhou"), matcher="foo")
    assert "matcher='foo'" in str(err.value)


# ---- the one serialisation path --------------------------------------------------------------
def test_the_stream_and_to_json_are_the_same_bytes() -> None:
    import io

    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    for period in (None, "2026Q3"):
        out = io.BytesIO()
        sr.score_to_stream(compiled, [EXAMPLE], out, period=period, as_of=AS_OF)
        assert out.getvalue() == sr.score(compiled, [EXAMPLE], period=period, as_of=AS_OF).to_json() + b"\n"


def test_the_public_pipeline_composes_to_score() -> None:
    """ingest → scorecards / oversight_actions are what score() is made of."""
    import datetime as dt

    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    facts = sr.ingest(compiled, [EXAMPLE])
    result = sr.score(compiled, [EXAMPLE], as_of=AS_OF)
    assert sr.scorecards(compiled, facts) == result.scorecards
    assert sr.oversight_actions(compiled, facts, as_of=dt.date(2026, 11, 27)) == result.actions
    assert facts.rejected == result.rejected and facts.inputs == result.inputs


def test_a_finding_is_stored_field_by_field() -> None:
    """Every field of a stored observation holds what the line gave (ingest builds it positionally)."""
    compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    records = [
        {"type": "inspection", "id": "i1", "outlet": "A", "date": "2026-08-01", "by": "county"},
        {
            "type": "finding",
            "id": "f1",
            "outlet": "A",
            "date": "2026-08-01",
            "article": 26,
            "tag": "harsh_tone",
            "employees": ["张三", "李四"],
            "note": "备注",
            "inspection": "i1",
        },
    ]
    facts = sr.ingest(compiled, [sr.Records(records)])
    [obs] = facts.observations[("A", "2026Q3")]
    assert obs._asdict() == {
        "id": "f1",
        "outlet": "A",
        "period": "2026Q3",
        "date": "2026-08-01",
        "rule": "cz-5-tone",
        "article": 26,
        "points": 10,
        "persons": 2,
        "tag": "harsh_tone",
        "employees": ("张三", "李四"),
        "note": "备注",
        "inspection": "i1",
    }


def test_hand_written_dumps_name_every_field_in_order() -> None:
    import attrs

    from service_rules._results import _dump_deduction, _dump_section, deduction_fields

    result = sr.score("cangzhou", [EXAMPLE], as_of=AS_OF)
    card = next(c for c in result.scorecards if c.deductions)
    assert list(_dump_section(card.sections[0])) == [f.name for f in attrs.fields(sr.SectionScore)]
    assert list(_dump_deduction(card.deductions[0])) == [f.name for f in attrs.fields(sr.Deduction)]
    assert list(deduction_fields.__code__.co_varnames[: deduction_fields.__code__.co_kwonlyargcount]) == [
        f.name for f in attrs.fields(sr.Deduction)
    ]


def test_a_card_account_has_exactly_the_fields_of_a_scorecard() -> None:
    import attrs

    from service_rules._results import scorecard_json
    from service_rules._scoring import CardAccount

    names = [f.name for f in attrs.fields(sr.Scorecard)]
    assert [f.name for f in attrs.fields(CardAccount)] == names
    assert list(scorecard_json.__code__.co_varnames[: scorecard_json.__code__.co_kwonlyargcount]) == names
