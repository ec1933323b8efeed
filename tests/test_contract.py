"""The input contract, example by example: what is accepted, what is rejected and how.

Every rejection case of the contract (docs/contract.md) has one parametrized example that
checks the stable code, the physical line, the record id and that the message names the
problem (the field, the article, the value). The rest pins the reading rules (BOM, CRLF,
blank lines, physical line numbers, null for optional fields, duplicate ids, references
resolved at the end of input), the output order, ``period`` and the scorecards owed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import service_rules as sr

PACK = sr.compile_pack(sr.load_pack("cangzhou"))
AS_OF = "2026-11-27"
#: Cangzhou section allotments (三 15 assumed, 四 15, 五 20 assumed, 六 20, 七 15 assumed, 八 15).
FULL = 15 + 15 + 20 + 20 + 15 + 15  # = 100

Line = dict[str, Any] | list[Any] | str | bytes


# ---- helpers -------------------------------------------------------------------------------


def encode(line: Line) -> bytes:
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return line.encode("utf-8")
    return json.dumps(line, ensure_ascii=False).encode("utf-8")


def write(path: Path, lines: Sequence[Line], newline: bytes = b"\n") -> Path:
    path.write_bytes(b"".join(encode(x) + newline for x in lines))
    return path


def score(*paths: Path, period: str | None = None) -> dict[str, Any]:
    return sr.score(PACK, list(paths), period=period, as_of=AS_OF).to_dict()


def run(tmp_path: Path, lines: Sequence[Line], period: str | None = None) -> dict[str, Any]:
    return score(write(tmp_path / "in.jsonl", lines), period=period)


def card(result: dict[str, Any], outlet: str, period: str = "2026Q3") -> dict[str, Any]:
    (found,) = [c for c in result["scorecards"] if c["outlet"] == outlet and c["period"] == period]
    return found


def outlet(code: str = "O1", county: str = "甲县", **kw: Any) -> dict[str, Any]:
    return {"type": "outlet", "outlet": code, "county": county, **kw}


def inspection(
    id: str = "I1", outlet: str = "O1", date: str = "2026-07-01", by: str = "county", **kw: Any
) -> dict[str, Any]:
    return {"type": "inspection", "id": id, "outlet": outlet, "date": date, "by": by, **kw}


def finding(
    id: str = "F1", outlet: str = "O1", date: str = "2026-07-01", article: Any = 25, **kw: Any
) -> dict[str, Any]:
    """Article 25 (section 五, fixed 3 points) unless told otherwise: the simplest valid finding."""
    return {"type": "finding", "id": id, "outlet": outlet, "date": date, "article": article, **kw}


def complaint(
    id: str = "C1", outlet: str = "O1", date: str = "2026-07-01", channel: str = "phone", **kw: Any
) -> dict[str, Any]:
    return {"type": "complaint", "id": id, "outlet": outlet, "date": date, "channel": channel, **kw}


def lapse(
    id: str = "L1", county: str = "甲县", date: str = "2026-07-01", kind: str = "unfound", **kw: Any
) -> dict[str, Any]:
    return {"type": "lapse", "id": id, "county": county, "date": date, "kind": kind, **kw}


def report(
    id: str = "R1", county: str = "甲县", quarter: str = "2026Q3", submitted: str = "2026-10-09", **kw: Any
) -> dict[str, Any]:
    return {"type": "report", "id": id, "county": county, "quarter": quarter, "submitted": submitted, **kw}


def without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != field}


# ---- every rejection case -------------------------------------------------------------------


def case(lines: list[Line], line: int, rid: str | None, code: str, *names: str, id: str, others: int = 0) -> Any:
    """lines, the physical line rejected, its record id, the code, what the message must name,
    and how many other lines of the example are rejected too (0: every other line is accepted)."""
    return pytest.param(lines, line, rid, code, list(names), others, id=id)


# fmt: off
REJECTIONS = [
    # -- the line itself
    case(['{"type": "finding", "id": "F1",'], 1, None, "malformed_json", "JSON格式错误", id="malformed_json-truncated"),
    case(["{'type': 'outlet'}"], 1, None, "malformed_json", "JSON格式错误", id="malformed_json-single-quotes"),
    case(['{"type":"outlet","outlet":"O1","county":"A","county":"B"}'], 1, None, "malformed_json", "'county'", id="malformed_json-repeated-key"),
    case([b'{"type":"outlet","outlet":"O\xff1","county":"A"}'], 1, None, "invalid_utf8", "UTF-8", id="invalid_utf8-in-string"),
    case([b"\xc3\x28"], 1, None, "invalid_utf8", "UTF-8", id="invalid_utf8-bare"),
    case([[1, 2]], 1, None, "not_an_object", "JSON对象", "数组", id="not_an_object-array"),
    case(['"finding"'], 1, None, "not_an_object", "JSON对象", "字符串", id="not_an_object-string"),
    case(["42"], 1, None, "not_an_object", "JSON对象", "整数", id="not_an_object-number"),
    case(["null"], 1, None, "not_an_object", "JSON对象", "null", id="not_an_object-null"),
    # -- type
    case([{**finding(), "type": "findng"}], 1, "F1", "unknown_type", "'findng'", id="unknown_type-typo"),
    case([without(finding(), "type")], 1, "F1", "unknown_type", "None", id="unknown_type-absent"),
    case([{**finding(), "type": 3}], 1, "F1", "unknown_type", "3", id="unknown_type-not-a-string"),
    # -- fields: missing, unknown, wrong type
    case([without(outlet(), "county")], 1, "O1", "missing_field", "'county'", "outlet", id="missing_field-outlet.county"),
    case([without(inspection(), "by")], 1, "I1", "missing_field", "'by'", id="missing_field-inspection.by"),
    case([without(finding(), "article")], 1, "F1", "missing_field", "'article'", id="missing_field-finding.article"),
    case([without(finding(), "outlet")], 1, "F1", "missing_field", "'outlet'", id="missing_field-finding.outlet"),
    case([without(finding(), "date")], 1, "F1", "missing_field", "'date'", id="missing_field-finding.date"),
    case([without(finding(), "id")], 1, None, "missing_field", "'id'", id="missing_field-finding.id"),
    case([without(complaint(), "channel")], 1, "C1", "missing_field", "'channel'", id="missing_field-complaint.channel"),
    case([without(lapse(), "kind")], 1, "L1", "missing_field", "'kind'", id="missing_field-lapse.kind"),
    case([without(report(), "submitted")], 1, "R1", "missing_field", "'submitted'", id="missing_field-report.submitted"),
    case([finding(article=26, tga="harsh_tone")], 1, "F1", "unknown_field", "'tga'", id="unknown_field-tga"),
    case([complaint(verifed=True)], 1, "C1", "unknown_field", "'verifed'", id="unknown_field-verifed"),
    case([outlet(id="O1")], 1, "O1", "unknown_field", "'id'", id="unknown_field-outlet.id"),
    case([complaint(employees=["E1"])], 1, "C1", "unknown_field", "'employees'", id="unknown_field-complaint.employees"),
    *[
        case([finding(article=art, **{field: value}) if field != "article" else finding(article=value)], 1, "F1", "wrong_type", field, "整数", id=f"wrong_type-{field}={value!r}")
        for field, art in (("article", 25), ("points", 18), ("persons", 40))
        for value in ("2", 2.5, True)
    ],
    case([complaint(verified="true")], 1, "C1", "wrong_type", "verified", id="wrong_type-verified-string"),
    case([finding(article=40, employees="E1")], 1, "F1", "wrong_type", "employees", id="wrong_type-employees-string"),
    case([finding(date=20260701)], 1, "F1", "wrong_type", "date", id="wrong_type-date-number"),
    case([finding(outlet=None)], 1, "F1", "wrong_type", "outlet", id="wrong_type-null-required"),
    # -- values outside a field's domain
    case([inspection(by="province")], 1, "I1", "invalid_value", "by", "'province'", id="invalid_value-inspection.by"),
    case([complaint(channel="email")], 1, "C1", "invalid_value", "channel", "'email'", id="invalid_value-complaint.channel"),
    case([lapse(kind="late")], 1, "L1", "invalid_value", "kind", "'late'", id="invalid_value-lapse.kind"),
    case([report(quarter="2026Q5")], 1, "R1", "invalid_value", "quarter", "'2026Q5'", id="invalid_value-report.quarter"),
    case([finding(outlet="  ")], 1, "F1", "invalid_value", "outlet", id="invalid_value-blank-string"),
    case([finding(article=40, employees=[])], 1, "F1", "invalid_value", "employees", id="invalid_value-employees-empty"),
    case([finding(article=40, employees=["E1", "E1"])], 1, "F1", "invalid_value", "employees", id="invalid_value-employees-repeated"),
    # -- the article against the pack
    *[case([finding(article=n)], 1, "F1", "unknown_article", f"第 {n} 条", id=f"unknown_article-{n}") for n in (0, -1, 45, 99)],
    *[
        case([finding(article=n, points=1)], 1, "F1", "article_missing_text", f"第 {n} 条", id=f"article_missing_text-{n}")
        for n in (*range(6, 11), *range(20, 24), *range(31, 39))
    ],
    *[case([finding(article=n)], 1, "F1", "article_not_scored", f"第 {n} 条", id=f"article_not_scored-{n}") for n in (1, 2, 3, 4, 5, 44)],
    # -- points
    *[case([finding(article=n)], 1, "F1", "points_missing", f"第 {n} 条", "'points'", id=f"points_missing-{n}") for n in (12, 18, 28)],
    *[case([finding(article=18, points=p)], 1, "F1", "out_of_range", f"points {p} ", "1–3", "第 18 条", id=f"out_of_range-{p}") for p in (0, 4, -1, 10)],
    case([finding(article=25, points=2)], 1, "F1", "points_not_graded", "'points'", "第 25 条", id="points_not_graded-fixed"),
    case([finding(article=40, points=2)], 1, "F1", "points_not_graded", "'points'", "第 40 条", id="points_not_graded-per-person"),
    case([finding(article=26, tag="harsh_tone", points=3)], 1, "F1", "points_not_graded", "'points'", "第 26 条", id="points_not_graded-tagged-26"),
    # -- persons
    *[case([finding(article=40, persons=p)], 1, "F1", "invalid_value", "persons", "不小于 1", id=f"persons-below-1={p}") for p in (0, -2)],
    case([finding(article=18, points=2, persons=1)], 1, "F1", "persons_not_per_person", "'persons'", "cz-4-item", id="persons_not_per_person-graded"),
    case([finding(article=25, persons=1)], 1, "F1", "persons_not_per_person", "'persons'", "cz-5-item", id="persons_not_per_person-fixed"),
    case([finding(article=26, persons=2)], 1, "F1", "persons_not_per_person", "'persons'", id="persons_not_per_person-untagged-26"),
    case([finding(article=40, persons=2, employees=["E1"])], 1, "F1", "persons_mismatch", "persons 为 2", "列出了 1 人", id="persons_mismatch-more"),
    case([finding(article=41, tag="drunk_on_duty", persons=1, employees=["E1", "E2"])], 1, "F1", "persons_mismatch", "persons 为 1", "列出了 2 人", id="persons_mismatch-fewer"),
    # -- tags
    case([finding(article=26, tag="rude")], 1, "F1", "unknown_tag", "第 26 条", "'rude'", id="unknown_tag-26"),
    case([finding(article=41, tag="harsh_tone")], 1, "F1", "unknown_tag", "第 41 条", "'harsh_tone'", id="unknown_tag-tag-of-another-article"),
    case([finding(article=18, points=1, tag="drunk_on_duty")], 1, "F1", "unknown_tag", "第 18 条", "'drunk_on_duty'", id="unknown_tag-untagged-article"),
    # -- dates
    case([finding(date="2026-02-30")], 1, "F1", "invalid_date", "date", "'2026-02-30'", id="invalid_date-feb-30"),
    case([finding(date="2026-02-29")], 1, "F1", "invalid_date", "date", "'2026-02-29'", id="invalid_date-not-leap"),
    case([finding(date="2026-7-1")], 1, "F1", "invalid_date", "date", "'2026-7-1'", id="invalid_date-not-iso"),
    case([finding(date="2026-07-01T10:00")], 1, "F1", "invalid_date", "date", id="invalid_date-datetime"),
    case([complaint(verified=True, verified_on="2026-13-01")], 1, "C1", "invalid_date", "verified_on", "'2026-13-01'", id="invalid_date-verified_on"),
    case([inspection(date="2026-04-31")], 1, "I1", "invalid_date", "date", id="invalid_date-inspection"),
    case([report(submitted="2026-10-32")], 1, "R1", "invalid_date", "submitted", id="invalid_date-report.submitted"),
    case([lapse(date="26-07-01")], 1, "L1", "invalid_date", "date", id="invalid_date-lapse"),
    # -- references and consistency
    case([finding(inspection="I9")], 1, "F1", "unknown_inspection", "'I9'", id="unknown_inspection-absent"),
    case([finding(id="I1"), finding(id="F2", inspection="I1")], 2, "F2", "unknown_inspection", "'I1'", id="unknown_inspection-id-of-a-finding"),
    case([inspection(date="2026-02-30"), finding(inspection="I1")], 2, "F1", "unknown_inspection", "'I1'", id="unknown_inspection-rejected-inspection", others=1),
    case([inspection(outlet="O2"), finding(inspection="I1")], 2, "F1", "inspection_mismatch", "'I1'", "O2", "O1", id="inspection_mismatch-outlet"),
    case([inspection(date="2026-07-02"), finding(inspection="I1")], 2, "F1", "inspection_mismatch", "'I1'", "2026-07-02", "2026-07-01", id="inspection_mismatch-date"),
    case([outlet(county="甲县"), outlet(county="乙县")], 2, "O1", "outlet_conflict", "O1", "'甲县'", "'乙县'", "in.jsonl:1", id="outlet_conflict-county"),
    case([outlet(name="城区社"), outlet(name="营业部")], 2, "O1", "outlet_conflict", "O1", "'城区社'", "'营业部'", id="outlet_conflict-name"),
    # -- duplicate ids (the later line is rejected whatever its content)
    case([finding(), finding()], 2, "F1", "duplicate_id", "'F1'", id="duplicate_id-identical"),
    case([finding(), finding(outlet="O2", article=12, points=1)], 2, "F1", "duplicate_id", "'F1'", id="duplicate_id-valid-later"),
    case([finding(), finding(article=99)], 2, "F1", "duplicate_id", "'F1'", id="duplicate_id-invalid-later"),
    case([finding(), {**finding(), "type": "nonsense"}], 2, "F1", "duplicate_id", "'F1'", id="duplicate_id-unknown-type-later"),
    case([inspection(id="X1"), complaint(id="X1")], 2, "X1", "duplicate_id", "'X1'", id="duplicate_id-across-types"),
    case([finding(article=99), finding()], 2, "F1", "duplicate_id", "'F1'", id="duplicate_id-first-rejected", others=1),
]
# fmt: on


@pytest.mark.parametrize(("lines", "line", "rid", "code", "names", "others"), REJECTIONS)
def test_rejection(
    tmp_path: Path, lines: list[Line], line: int, rid: str | None, code: str, names: list[str], others: int
) -> None:
    result = run(tmp_path, lines)
    rejected = [r for r in result["rejected"] if r["line"] == line]
    assert len(rejected) == 1, result["rejected"]
    (r,) = rejected
    assert (r["file"], r["line"], r["id"], r["code"]) == (str(tmp_path / "in.jsonl"), line, rid, code)
    for name in names:
        assert name in r["error"], (name, r["error"])
    # one entry per rejected line; the other lines accepted
    (summary,) = result["inputs"]
    assert len({x["line"] for x in result["rejected"]}) == len(result["rejected"]) == summary["rejected"]
    assert summary["rejected"] == 1 + others
    assert summary["accepted"] == len(lines) - summary["rejected"]
    assert result["rejected"] == sorted(result["rejected"], key=lambda x: x["line"])


def test_every_rejection_code_is_exercised() -> None:
    """The codes of docs/contract.md that the Cangzhou pack can produce all appear above."""
    exercised = {p.values[3] for p in REJECTIONS}
    assert exercised == {
        "malformed_json", "invalid_utf8", "not_an_object", "unknown_type", "missing_field", "unknown_field",
        "wrong_type", "invalid_value", "invalid_date", "duplicate_id", "unknown_article", "article_missing_text",
        "article_not_scored", "points_missing", "out_of_range", "points_not_graded", "persons_not_per_person",
        "persons_mismatch", "unknown_tag", "unknown_inspection", "inspection_mismatch", "outlet_conflict",
    }  # fmt: skip


def test_a_rejected_line_changes_no_score(tmp_path: Path) -> None:
    """The valid line before a rejected one scores; the rejected one adds nothing."""
    result = run(tmp_path, [outlet(), finding(id="F1"), finding(id="F2", article=18, points=9)])
    # F1: article 25, section 五: 20 − 3 = 17; F2 rejected (9 is outside 1–3): 四 stays 15
    assert [d["observations"] for d in card(result, "O1")["deductions"]] == [["F1"]]
    assert card(result, "O1")["total"] == FULL - 3  # 100 − 3 = 97


@pytest.mark.parametrize("quarter", ["2026Q3\n", "２０２６Q3"])
def test_report_quarter_must_be_plain_ascii(tmp_path: Path, quarter: str) -> None:
    result = run(tmp_path, [report(quarter=quarter)])
    assert [r["code"] for r in result["rejected"]] == ["invalid_value"]


def test_period_with_trailing_newline_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", [outlet()])
    with pytest.raises(sr.UsageError):
        score(path, period="2026Q3\n")


# ---- reading: BOM, CRLF, blank lines, physical lines ----------------------------------------


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "win.jsonl"
    body = b"\r\n".join(encode(x) for x in (outlet(), inspection(), finding(inspection="I1")))
    path.write_bytes(b"\xef\xbb\xbf" + body + b"\r\n")
    result = score(path)
    assert result["rejected"] == []
    assert result["inputs"][0] | {"sha256": None} == {
        "file": str(path), "sha256": None, "lines": 3, "accepted": 3, "rejected": 0, "blank": 0, "sheet": None, "problem": None, "replaced": 0,
    }  # fmt: skip
    assert card(result, "O1")["county"] == "甲县"  # the BOM did not stick to line 1
    assert card(result, "O1")["total"] == FULL - 3  # article 25: 3 points


def test_bom_only_on_the_first_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(encode(outlet()) + b"\n\xef\xbb\xbf" + encode(finding()) + b"\n")
    result = score(path)
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [(2, "malformed_json")]


def test_blank_lines_are_counted_as_blank_not_rejected(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n" + encode(outlet()) + b"\n   \n\t\r\n" + encode(finding()) + b"\r\n\n")
    result = score(path)
    assert result["rejected"] == []
    summary = result["inputs"][0]
    assert (summary["lines"], summary["accepted"], summary["rejected"], summary["blank"]) == (6, 2, 0, 4)


def test_line_numbers_are_physical(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    # 1 blank, 2 outlet, 3 blank, 4 blank (CRLF), 5 bad, 6 finding, 7 bad, no final newline
    path.write_bytes(
        b"\n" + encode(outlet()) + b"\n\n\r\n" + encode(finding(id="F0", article=99)) + b"\n"
        + encode(finding()) + b"\n" + encode(finding(id="F2", date="2026-02-30"))
    )  # fmt: skip
    result = score(path)
    assert [(r["line"], r["id"], r["code"]) for r in result["rejected"]] == [
        (5, "F0", "unknown_article"),
        (7, "F2", "invalid_date"),
    ]
    assert result["inputs"][0]["lines"] == 7


def test_a_blank_first_line_after_the_bom_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf\r\n" + encode(finding(id="F9", article=99)) + b"\r\n")
    result = score(path)
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [(2, "unknown_article")]
    assert result["inputs"][0]["blank"] == 1


def test_counts_add_up(tmp_path: Path) -> None:
    lines: list[Line] = [
        outlet(),  # 1 accepted
        "",  # 2 blank
        finding(id="F1"),  # 3 accepted
        "{oops",  # 4 rejected: malformed_json
        "  ",  # 5 blank
        finding(id="F1"),  # 6 rejected: duplicate_id
        finding(id="F3", inspection="I-later"),  # 7 accepted once line 9 is read
        finding(id="F4", inspection="nowhere"),  # 8 rejected: unknown_inspection
        inspection(id="I-later"),  # 9 accepted
    ]
    result = run(tmp_path, lines)
    (s,) = result["inputs"]
    assert (s["lines"], s["accepted"], s["rejected"], s["blank"]) == (9, 4, 3, 2)
    assert s["accepted"] + s["rejected"] + s["blank"] == s["lines"]
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [
        (4, "malformed_json"),
        (6, "duplicate_id"),
        (8, "unknown_inspection"),
    ]


def test_input_summary_hashes_the_file_as_read(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path / "in.jsonl", [outlet(), finding()], newline=b"\r\n")
    assert score(path)["inputs"][0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


# ---- optional fields, null, defaults --------------------------------------------------------


def test_null_is_the_same_as_absent_for_optional_fields(tmp_path: Path) -> None:
    nulls = {"points": None, "persons": None, "employees": None, "tag": None, "inspection": None, "note": None}
    result = run(
        tmp_path,
        [
            outlet(name=None),
            inspection(note=None),
            finding(id="F1", **nulls),  # article 25, fixed 3
            complaint(id="C1", verified=None, verified_on=None, account_transferred=None, employee=None, note=None),
            complaint(id="C2", verified=True, account_transferred=None),  # null = default false → 10, not 20
            lapse(note=None),
            report(note=None),
        ],
    )
    assert result["rejected"] == []
    c = card(result, "O1")
    assert c["pending"] == ["C1"]
    assert [(d["observations"], d["points"], d["note"], d["tag"]) for d in c["deductions"]] == [
        (["F1"], 3, None, None),
        (["C2"], 10, None, None),
    ]
    assert c["total"] == FULL - 3 - 10  # 100 − 3 − 10 = 87


def test_account_transferred_defaults_to_false(tmp_path: Path) -> None:
    result = run(tmp_path, [complaint(verified=True)])
    (d,) = card(result, "O1")["deductions"]
    assert (d["rule"], d["points"]) == ("cz-5-complaint", 10)


def test_persons_defaults_to_one_on_per_person_rules(tmp_path: Path) -> None:
    result = run(tmp_path, [finding(article=40)])
    (d,) = card(result, "O1")["deductions"]
    assert (d["persons"], d["points"]) == (1, 5)


def test_employees_give_the_person_count(tmp_path: Path) -> None:
    result = run(tmp_path, [finding(article=40, employees=["E1", "E2", "E3"])])
    (d,) = card(result, "O1")["deductions"]
    assert (d["persons"], d["employees"], d["points"]) == (3, ["E1", "E2", "E3"], 15)  # 3 × 5


# ---- ids and references ----------------------------------------------------------------------


def test_duplicate_id_rejected_even_when_the_later_line_is_valid(tmp_path: Path) -> None:
    first = finding(id="F1", article=25)  # 五: 3
    later = finding(id="F1", article=12, points=3)  # valid on its own: 三: 3
    result = run(tmp_path, [outlet(), first, later])
    assert [(r["line"], r["id"], r["code"]) for r in result["rejected"]] == [(3, "F1", "duplicate_id")]
    c = card(result, "O1")
    assert [(d["rule"], d["points"]) for d in c["deductions"]] == [("cz-5-item", 3)]  # the first kept
    assert c["total"] == FULL - 3  # 100 − 3 = 97, not 94


def test_ids_are_unique_across_input_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [finding(id="F1")])
    b = write(tmp_path / "b.jsonl", ["", finding(id="F1", outlet="O2")])
    result = score(a, b)
    assert [(r["file"], r["line"], r["code"]) for r in result["rejected"]] == [(str(b), 2, "duplicate_id")]


def test_inspection_reference_resolved_when_the_inspection_comes_later(tmp_path: Path) -> None:
    result = run(tmp_path, [finding(id="F1", article=12, points=2, inspection="I1"), inspection(id="I1")])
    assert result["rejected"] == []
    (d,) = card(result, "O1")["deductions"]
    assert (d["observations"], d["points"]) == (["F1"], 2)


def test_inspection_reference_across_files(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [finding(inspection="I1")])
    b = write(tmp_path / "b.jsonl", [inspection(id="I1")])
    assert score(a, b)["rejected"] == []


def test_repeated_identical_outlet_record_is_accepted(tmp_path: Path) -> None:
    result = run(tmp_path, [outlet(), outlet(), outlet(name="城区社"), outlet(name="城区社")])
    assert result["rejected"] == []


def test_outlet_conflict_across_files_names_the_first_place(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", ["", outlet(county="甲县")])
    b = write(tmp_path / "b.jsonl", [outlet(county="乙县")])
    (r,) = score(a, b)["rejected"]
    assert (r["file"], r["line"], r["code"]) == (str(b), 1, "outlet_conflict")
    assert f"{a}:2" in r["error"]


# ---- order -----------------------------------------------------------------------------------


def test_scorecards_ordered_by_period_then_outlet(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        [
            finding(id="a", outlet="ZZ", date="2026-10-02"),
            finding(id="b", outlet="BB", date="2026-07-02"),
            finding(id="c", outlet="AA", date="2026-12-31"),
            outlet("MM"),
            finding(id="d", outlet="AA", date="2026-09-30"),
        ],
    )
    assert [(c["period"], c["outlet"]) for c in result["scorecards"]] == [
        ("2026Q3", "AA"),
        ("2026Q3", "BB"),
        ("2026Q3", "MM"),  # registered: a card in every period
        ("2026Q4", "AA"),
        ("2026Q4", "MM"),
        ("2026Q4", "ZZ"),
    ]


def test_deductions_ordered_by_section_article_observation(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        [
            finding(id="f9", article=40),  # 八
            complaint(id="c1", verified=True),  # 五, article null
            finding(id="f5", article=26, tag="harsh_tone"),  # 五 26
            finding(id="f3", article=12, points=1),  # 三 12
            finding(id="f1", article=14, points=1),  # 三 14
            finding(id="f2", article=12, points=1),  # 三 12
            finding(id="f10", article=12, points=1),  # 三 12 ("f10" < "f2" as text)
            finding(id="f0", article=25, date="2026-08-01"),  # 五 25
            finding(id="f4", article=27, points=2),  # 六 27
        ],
    )
    assert [(d["section"], d["article"], d["observations"][0]) for d in card(result, "O1")["deductions"]] == [
        (3, 12, "f10"),
        (3, 12, "f2"),
        (3, 12, "f3"),
        (3, 14, "f1"),
        (5, 25, "f0"),
        (5, 26, "f5"),
        (5, None, "c1"),  # complaints carry no article: last in their section
        (6, 27, "f4"),
        (8, 40, "f9"),
    ]


def test_rejected_ordered_by_file_then_line(tmp_path: Path) -> None:
    a = write(tmp_path / "a.jsonl", [finding(id="A1", inspection="late"), "{", finding(id="A3", article=99)])
    b = write(tmp_path / "b.jsonl", ["[]", finding(id="B2", article=7)])
    result = score(a, b)
    assert [(r["file"], r["line"], r["code"]) for r in result["rejected"]] == [
        (str(a), 1, "unknown_inspection"),  # found only at the end of input, listed in place
        (str(a), 2, "malformed_json"),
        (str(a), 3, "unknown_article"),
        (str(b), 1, "not_an_object"),
        (str(b), 2, "article_missing_text"),
    ]


def test_inputs_listed_in_the_order_given(tmp_path: Path) -> None:
    b = write(tmp_path / "b.jsonl", [outlet()])
    a = write(tmp_path / "a.jsonl", [finding()])
    assert [i["file"] for i in score(b, a)["inputs"]] == [str(b), str(a)]


def test_pending_and_dismissed_sorted_by_id(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        [
            complaint(id="c3"),
            complaint(id="c1"),
            complaint(id="d2", verified=False),
            complaint(id="d1", verified=False),
        ],
    )
    c = card(result, "O1")
    assert (c["pending"], c["dismissed"]) == (["c1", "c3"], ["d1", "d2"])


# ---- periods and the scorecards owed ----------------------------------------------------------


def test_period_limits_scorecards_but_every_quarter_is_validated(tmp_path: Path) -> None:
    lines: list[Line] = [
        outlet("O1"),
        finding(id="q2", date="2026-06-30"),
        finding(id="q3", date="2026-07-01"),
        finding(id="q4", date="2026-10-01"),
        finding(id="q4-bad", date="2026-11-05", article=99),
        finding(id="q1-bad", date="2026-02-30"),
        finding(id="q4-ref", date="2026-12-01", inspection="missing"),
    ]
    result = run(tmp_path, lines, period="2026Q3")
    assert result["period"] == "2026Q3"
    assert [(c["outlet"], c["period"]) for c in result["scorecards"]] == [("O1", "2026Q3")]
    assert [d["observations"] for d in result["scorecards"][0]["deductions"]] == [["q3"]]
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [
        (5, "unknown_article"),
        (6, "invalid_date"),
        (7, "unknown_inspection"),
    ]
    assert result["inputs"][0]["accepted"] == 4  # every other quarter's lines were read and accepted


def test_without_period_every_quarter_with_facts_is_scored(tmp_path: Path) -> None:
    result = run(tmp_path, [finding(id="q2", date="2026-06-30"), finding(id="q3", date="2026-07-01")])
    assert result["period"] is None
    assert [c["period"] for c in result["scorecards"]] == ["2026Q2", "2026Q3"]


def test_registered_outlets_get_scorecards(tmp_path: Path) -> None:
    result = run(tmp_path, [outlet("O1", "甲县"), outlet("O2", "乙县", name="乙社"), finding(outlet="O3")])
    cards = {c["outlet"]: c for c in result["scorecards"]}
    assert sorted(cards) == ["O1", "O2", "O3"]
    for code, county in (("O1", "甲县"), ("O2", "乙县")):
        c = cards[code]
        # registered, nothing recorded in the period: a card, but no score (not 100; issue 11)
        assert (c["county"], c["period"], c["total"], c["deductions"]) == (county, "2026Q3", None, [])
        assert (c["scored"], c["reason"], c["rejections"]) == (False, "本期无检查、问题或投诉记录", 0)
        assert [s["score"] for s in c["sections"]] == [None] * 6
        assert [s["allotment"] for s in c["sections"]] == [15, 15, 20, 20, 15, 15]
        assert [s["deducted"] for s in c["sections"]] == [0] * 6
    assert (cards["O3"]["scored"], cards["O3"]["reason"], cards["O3"]["total"]) == (True, None, FULL - 3)


def test_registered_outlets_get_a_scorecard_for_the_period_asked(tmp_path: Path) -> None:
    result = run(tmp_path, [outlet("O1"), finding(outlet="O9", date="2026-07-01")], period="2027Q1")
    assert [(c["outlet"], c["period"], c["total"]) for c in result["scorecards"]] == [("O1", "2027Q1", None)]


def test_registered_outlets_alone_make_no_quarter_to_score(tmp_path: Path) -> None:
    """Documented: without --period, quarters come from outlet facts; registrations alone name none."""
    assert run(tmp_path, [outlet("O1"), lapse(), report()])["scorecards"] == []


def test_unregistered_outlet_is_scored_with_county_null(tmp_path: Path) -> None:
    result = run(tmp_path, [outlet("O1"), finding(id="F1", outlet="X-9")])
    c = card(result, "X-9")
    assert c["county"] is None
    assert c["total"] == FULL - 3  # article 25: 100 − 3 = 97


def test_registration_later_in_the_input_still_names_the_county(tmp_path: Path) -> None:
    result = run(tmp_path, [finding(outlet="O1"), outlet("O1", "甲县")])
    assert card(result, "O1")["county"] == "甲县"


def test_any_fact_makes_a_scorecard(tmp_path: Path) -> None:
    """An inspection with no finding, a pending and a dismissed complaint are facts too."""
    result = run(
        tmp_path,
        [
            inspection(outlet="I-only"),
            complaint(id="C1", outlet="P-only"),
            complaint(id="C2", outlet="D-only", verified=False),
        ],
    )
    assert [(c["outlet"], c["total"]) for c in result["scorecards"]] == [
        ("D-only", FULL),
        ("I-only", FULL),
        ("P-only", FULL),
    ]


@pytest.mark.parametrize(
    ("date", "quarter"),
    [
        ("2026-01-01", "2026Q1"),
        ("2026-03-31", "2026Q1"),
        ("2026-04-01", "2026Q2"),
        ("2026-06-30", "2026Q2"),
        ("2026-07-01", "2026Q3"),
        ("2026-09-30", "2026Q3"),
        ("2026-10-01", "2026Q4"),
        ("2026-12-31", "2026Q4"),
        ("2028-02-29", "2028Q1"),
    ],
)
def test_a_fact_belongs_to_the_quarter_of_its_date(tmp_path: Path, date: str, quarter: str) -> None:
    result = run(tmp_path, [finding(date=date)])
    assert [c["period"] for c in result["scorecards"]] == [quarter]


def test_bad_period_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", [outlet()])
    for bad in ("2026Q5", "2026q3", "Q3", "2026-Q3", "2026Q0"):
        with pytest.raises(sr.UsageError, match=re.escape(bad)):
            score(path, period=bad)


# ---- output shape ------------------------------------------------------------------------------


def test_output_fields(tmp_path: Path) -> None:
    result = run(
        tmp_path, [outlet(), finding(article=40, employees=["E1"], note="迟到"), finding(id="bad", article=99)]
    )
    assert list(result) == [
        "pack", "as_of", "period", "inputs", "scorecards", "actions", "rejected", "warnings", "unattributed",
        "replaced", "overturned_lapses",
        "fines", "employees",
        "absorbed", "provisional", "absorbed_fines", "lapse_appeals",
    ]  # fmt: skip
    assert (result["absorbed"], result["provisional"]) == ([], [])
    assert set(result["pack"]) == {"name", "version", "digest", "matcher"}
    assert (result["pack"]["name"], result["as_of"]) == ("cangzhou", AS_OF)
    assert result["pack"]["digest"].startswith("sha256:")
    assert set(result["inputs"][0]) == {
        "file", "sha256", "lines", "accepted", "rejected", "blank", "sheet", "problem", "replaced",
    }  # fmt: skip
    c = result["scorecards"][0]
    assert list(c) == [
        "outlet", "county", "period", "total", "sections", "deductions", "pending", "dismissed", "name",
        "scored", "reason", "rejections", "overturned", "versions", "amount", "fined",
    ]  # fmt: skip
    assert set(c["sections"][0]) == {
        "number",
        "title",
        "allotment",
        "deducted",
        "score",
        "assumed",
        "assessable",
        "floor",
        "beyond_floor",
    }
    (d,) = c["deductions"]
    assert d == {
        "rule": "cz-8-person", "article": 40, "section": 8, "points": 5, "observations": ["F1"],
        "reason": d["reason"], "note": "迟到", "raw_points": 5, "provenance": "literal", "date": "2026-07-01",
        "tag": None, "persons": 1, "employees": ["E1"], "layer": "cangzhou", "appeal": None,
        "original_points": None, "amount": None,
    }  # fmt: skip
    assert "40" in d["reason"]
    assert result["rejected"][0] == {
        "file": str(tmp_path / "in.jsonl"), "line": 3, "id": "bad", "code": "unknown_article",
        "error": result["rejected"][0]["error"], "sheet": None, "outlet": "O1", "county": "甲县",
        "period": "2026Q3",
    }  # fmt: skip
    assert (result["unattributed"], c["rejections"]) == (0, 1)
