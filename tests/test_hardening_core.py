"""Issue 11 in the core: years, numbers, nesting, stdin, the API's errors (items 1, 4, 12).

Each test first reproduced its failure (a traceback, an unpadded period, a silent loss).
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import service_rules as sr
from service_rules._codes import RejectionCode
from service_rules._periods import parse_period, period_of


@pytest.fixture(scope="module")
def cangzhou() -> sr.CompiledPack:
    return sr.compile_pack(sr.load_pack("cangzhou"))


def _score(compiled: sr.CompiledPack, records: list[Any], **kw: Any) -> sr.ScoreResult:
    return sr.score(compiled, [sr.Records(records)], as_of=kw.pop("as_of", "2027-06-30"), **kw)


def _codes(result: sr.ScoreResult) -> list[str]:
    return [r.code for r in result.rejected]


# ---- item 1: the contract's years, every period zero-padded -------------------------------------
@pytest.mark.parametrize(
    "record",
    [
        {"type": "inspection", "id": "I", "outlet": "O1", "by": "county", "date": "0226-07-05"},
        {"type": "inspection", "id": "I", "outlet": "O1", "by": "county", "date": "9999-12-31"},
        {"type": "inspection", "id": "I", "outlet": "O1", "by": "county", "date": "0999-01-01"},
        {"type": "inspection", "id": "I", "outlet": "O1", "by": "county", "date": "1899-12-31"},
        {"type": "inspection", "id": "I", "outlet": "O1", "by": "county", "date": "2100-01-01"},
        {"type": "finding", "id": "F", "outlet": "O1", "date": "0226-07-05", "article": 12, "points": 1},
        {"type": "complaint", "id": "C", "outlet": "O1", "date": "2026-07-05", "channel": "phone",
         "verified_on": "0001-01-01"},
        {"type": "lapse", "id": "L", "county": "河间", "date": "0000-01-01", "kind": "unfound"},
        {"type": "report", "id": "R", "county": "河间", "quarter": "0000Q1", "submitted": "2026-07-05"},
        {"type": "report", "id": "R", "county": "河间", "quarter": "9999Q4", "submitted": "2026-07-05"},
        {"type": "report", "id": "R", "county": "河间", "quarter": "2026Q1", "submitted": "9999-07-05"},
        {"type": "star", "id": "S", "outlet": "O1", "employee": "E", "month": "9999-10"},
        {"type": "star", "id": "S", "outlet": "O1", "employee": "E", "month": "0226-07"},
    ],
)  # fmt: skip
def test_a_year_outside_the_contract_is_date_out_of_range(cangzhou: sr.CompiledPack, record: dict[str, Any]) -> None:
    result = _score(cangzhou, [record])
    assert _codes(result) == ["date_out_of_range"]
    assert "1900" in result.rejected[0].error and "2099" in result.rejected[0].error
    assert not [c for c in result.scorecards if c.scored] and not result.actions  # a card may list the rejection, unscored


def test_the_first_and_last_day_of_the_contract_are_accepted(cangzhou: sr.CompiledPack) -> None:
    records = [
        {"type": "finding", "id": "a", "outlet": "O1", "date": "1900-01-01", "article": 12, "points": 1},
        {"type": "finding", "id": "b", "outlet": "O1", "date": "2099-12-31", "article": 12, "points": 1},
        {"type": "report", "id": "r", "county": "河间", "quarter": "2099Q4", "submitted": "2099-12-31"},
        {"type": "star", "id": "s", "outlet": "O1", "employee": "E", "month": "2099-12"},
    ]
    result = _score(cangzhou, records, as_of="2099-12-31")
    assert not result.rejected
    assert [c.period for c in result.scorecards] == ["1900Q1", "2099Q4"]


def test_every_period_string_is_zero_padded() -> None:
    assert str(period_of(_dt.date(1900, 1, 1), "quarter")) == "1900Q1"
    assert str(period_of(_dt.date(226, 7, 5), "quarter")) == "0226Q3"  # never reached by the contract
    assert str(period_of(_dt.date(226, 7, 5), "month")) == "0226-07"
    assert str(parse_period("2026Q3")) == "2026Q3"
    with pytest.raises(ValueError):
        parse_period("0226Q3")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"period": "0226Q3"}, "period"),
        ({"period": "9999Q4"}, "period"),
        ({"period": "226Q3"}, "period"),
        ({"as_of": "0999-01-01"}, "as_of"),
        ({"as_of": "9999-12-31"}, "as_of"),
        ({"as_of": _dt.date(2100, 1, 1)}, "as_of"),
        ({"as_of": _dt.datetime(1899, 12, 31, 12)}, "as_of"),
        ({"as_of": 20260701}, "as_of"),
    ],
)
def test_as_of_and_period_outside_the_years_are_usage_errors(
    cangzhou: sr.CompiledPack, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(sr.UsageError) as err:
        sr.score(cangzhou, [], **kwargs)
    assert err.value.param == param


def test_the_code_has_a_chinese_label() -> None:
    assert RejectionCode.DATE_OUT_OF_RANGE.label.startswith("日期超出")


# ---- item 4: every integer has a range; nesting; a closed stdin ---------------------------------
def _finding(**kw: Any) -> dict[str, Any]:
    return {"type": "finding", "id": "F", "outlet": "O1", "date": "2026-07-01", **kw}


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (_finding(article=41, tag="drunk_on_duty", persons=2 * 10**18), "out_of_range"),
        (_finding(article=41, tag="drunk_on_duty", persons=10**4 + 1), "out_of_range"),
        (_finding(article=40, employees=[f"E{i}" for i in range(10**4 + 1)]), "out_of_range"),
        (_finding(article=18, points=2**53), "out_of_range"),
        (_finding(article=18, points=-(10**5000)), "out_of_range"),  # no digits printed, no traceback
        (_finding(article=2**63), "out_of_range"),
        (_finding(article=18, points=1, measured=2**64), "out_of_range"),
        (_finding(article=41, tag="drunk_on_duty", persons=0), "invalid_value"),
    ],
    ids=["persons-2e18", "persons-10001", "employees-10001", "points-2^53", "points-huge", "article-2^63",
         "measured-2^64", "persons-0"],
)  # fmt: skip
def test_an_integer_beyond_its_range_is_rejected(cangzhou: sr.CompiledPack, record: dict[str, Any], code: str) -> None:
    result = _score(cangzhou, [record])
    assert _codes(result) == [code]
    assert len(result.rejected[0].error) < 200
    result.to_json()  # the encoder never sees an integer it cannot write


def test_the_largest_persons_count_scores(cangzhou: sr.CompiledPack) -> None:
    result = _score(cangzhou, [_finding(article=41, tag="drunk_on_duty", persons=10**4)])
    assert not result.rejected
    json.loads(result.to_json())


def test_a_line_nested_a_thousand_levels_is_malformed_json(cangzhou: sr.CompiledPack, tmp_path: Path) -> None:
    deep = '{"a":' * 1000 + "1" + "}" * 1000
    lines = [
        '{"type": "finding", "id": "F", "note": ' + deep + "}",
        '{"type": "finding", "id": "G", "note": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"type": "outlet", "outlet": "O1", "county": "河间", "name": {"a": {"b": 1}}}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = sr.score(cangzhou, [path], as_of="2027-06-30")
    assert [(r.line, r.code) for r in result.rejected] == [(1, "malformed_json"), (2, "missing_field"), (3, "wrong_type")]
    assert "64" in result.rejected[0].error


def test_a_closed_stdin_is_an_input_file_error(cangzhou: sr.CompiledPack, monkeypatch: pytest.MonkeyPatch) -> None:
    closed = io.TextIOWrapper(io.BytesIO(b""))
    closed.close()
    for stdin in (closed, None):
        monkeypatch.setattr(sys, "stdin", stdin)
        with pytest.raises(sr.InputFileError, match="标准输入"):
            sr.score(cangzhou, ["-"], as_of="2027-06-30")


# ---- item 12: every error is a ServiceRulesError; Records take dates; bare dicts are named -------
def test_a_key_that_is_not_a_string_is_a_rejection(cangzhou: sr.CompiledPack) -> None:
    records: list[Any] = [
        {**_finding(article=18, points=1), 1: "x"},
        {**_finding(article=18, points=1, id="G"), ("a", "b"): "x"},
        _finding(article=18, points=1, id="H"),
    ]
    result = _score(cangzhou, records)
    assert [(r.line, r.code) for r in result.rejected] == [(1, "not_an_object"), (2, "not_an_object")]
    assert "1" in result.rejected[0].error and "('a', 'b')" in result.rejected[1].error
    assert result.inputs[0].accepted == 1


def test_records_accept_dates(cangzhou: sr.CompiledPack) -> None:
    as_strings = _score(cangzhou, [_finding(article=18, points=1)])
    as_dates = _score(cangzhou, [_finding(article=18, points=1, date=_dt.date(2026, 7, 1))])
    midnight = _score(cangzhou, [_finding(article=18, points=1, date=_dt.datetime(2026, 7, 1))])
    assert as_dates.scorecards == as_strings.scorecards == midnight.scorecards
    assert as_dates.inputs[0].sha256 == as_strings.inputs[0].sha256
    at_noon = _score(cangzhou, [_finding(article=18, points=1, date=_dt.datetime(2026, 7, 1, 12))])
    assert _codes(at_noon) == ["wrong_type"]
    too_early = _score(cangzhou, [_finding(article=18, points=1, date=_dt.date(1899, 12, 31))])
    assert _codes(too_early) == ["date_out_of_range"]


@pytest.mark.parametrize(
    "inputs",
    [
        [{"type": "finding", "id": "F"}],
        {"type": "finding"},
        "in.jsonl",
        sr.Records([]),
        [[{"type": "finding"}]],
        [sr.Records(5)],  # type: ignore[arg-type]
    ],
    ids=["list-of-dicts", "a-dict", "a-string", "bare-records", "list-of-lists", "records-not-iterable"],
)
def test_inputs_that_are_not_inputs_are_usage_errors(cangzhou: sr.CompiledPack, inputs: Any) -> None:
    with pytest.raises(sr.UsageError) as err:
        sr.score(cangzhou, inputs, as_of="2027-06-30")
    assert err.value.param == "inputs"
    if isinstance(inputs, list) and isinstance(inputs[0], dict):
        assert "Records" in str(err.value)


def test_a_bad_matcher_is_a_service_rules_error() -> None:
    with pytest.raises(sr.ServiceRulesError):
        sr.compile_pack(sr.load_pack("cangzhou"), matcher="foo")


def test_a_string_with_a_lone_surrogate_is_rejected_not_an_encoder_error(cangzhou: sr.CompiledPack) -> None:
    result = _score(cangzhou, [_finding(article=18, points=1, outlet="O\ud800"), _finding(article=18, points=1, id="G")])
    assert [(r.line, r.code) for r in result.rejected] == [(1, "invalid_utf8")]
    json.loads(result.to_json())


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda c: sr.score(c, [], period=123), "period"),
        (lambda c: sr.candidates(c, [], year="2026"), "year"),
        (lambda c: sr.candidates(c, [], year=10**20), "year"),
        (lambda c: sr.candidates(c, [], year=0), "year"),
        (lambda c: sr.candidates(c, [], year=2026, top="x"), "top"),
    ],
    ids=["period-int", "year-str", "year-huge", "year-0", "top-str"],
)
def test_arguments_of_the_wrong_kind_are_usage_errors(cangzhou: sr.CompiledPack, call: Any, param: str) -> None:
    with pytest.raises(sr.UsageError) as err:
        call(cangzhou)
    assert err.value.param == param


# ---- a bad record never raises: hostile dicts through the API --------------------------------------
_KEYS = st.one_of(
    st.sampled_from(["type", "id", "outlet", "date", "article", "points", "persons", "employees", "tag", "note",
                     "by", "channel", "verified", "quarter", "month", "county", "kind", "submitted", "measured"]),
    st.text(max_size=4), st.integers(-2, 2), st.none(), st.tuples(st.integers(0, 1)), st.booleans(),
)  # fmt: skip
_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.floats(), st.text(max_size=6),
        st.sampled_from(["finding", "inspection", "complaint", "report", "star", "outlet", "lapse", "O1", "county",
                         "2026-07-01", "0226-07-05", "9999Q4", "2026Q3", "2026-07", "\ud800", "phone"]),
        st.integers(), st.sampled_from([2 * 10**18, -(2**64), 10**4 + 1, 12, 18, 26, 41]),
        st.just(4400).map(lambda n: 10**n),  # too long for repr()
        st.dates(), st.datetimes(),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=6,
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.one_of(st.dictionaries(_KEYS, _VALUES, max_size=8), _VALUES), max_size=6))
def test_hostile_records_never_raise(records: list[Any]) -> None:
    compiled = _CANGZHOU()
    result = sr.score(compiled, [sr.Records(records)], as_of="2027-06-30")
    [summary] = result.inputs
    assert summary.accepted + summary.rejected == len(records)
    assert all(1 <= r.line <= len(records) and len(r.error) < 400 for r in result.rejected)
    json.loads(result.to_json())


def _CANGZHOU() -> sr.CompiledPack:
    global _compiled
    if _compiled is None:
        _compiled = sr.compile_pack(sr.load_pack("cangzhou"))
    return _compiled


_compiled: sr.CompiledPack | None = None


@pytest.mark.parametrize(
    "call",
    [
        lambda c: sr.load_pack(123),
        lambda c: sr.compile_pack("cangzhou"),
        lambda c: sr.score(123, []),
        lambda c: sr.score(c, None),
        lambda c: sr.candidates(c, None, year=2026),
        lambda c: sr.score(c, [123]),
        lambda c: sr.score(c, [], as_of=1.5),
    ],
    ids=["load_pack-int", "compile_pack-name", "score-int-pack", "score-None", "candidates-None", "input-int",
         "as_of-float"],
)  # fmt: skip
def test_every_error_of_a_wrong_argument_is_a_service_rules_error(cangzhou: sr.CompiledPack, call: Any) -> None:
    with pytest.raises(sr.UsageError):
        call(cangzhou)
