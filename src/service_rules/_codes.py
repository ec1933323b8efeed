"""One home for the vocabulary every stage shares: rejection codes with their Chinese labels,
the finite value domains of the input contract with theirs, and Chinese numerals.

Everything that names a code, a domain value or a numeral imports it from here, so the
contract checks, the reports, the pack documents and the docs cannot drift apart (a test
compares docs/contract.md with :class:`RejectionCode`).
"""

from __future__ import annotations

from enum import StrEnum


class RejectionCode(StrEnum):
    """Why an input line was not accepted: stable English codes (the JSON contract)."""

    MALFORMED_JSON = "malformed_json"
    INVALID_UTF8 = "invalid_utf8"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"
    INVALID_VALUE = "invalid_value"
    INVALID_DATE = "invalid_date"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_ARTICLE = "unknown_article"
    ARTICLE_MISSING_TEXT = "article_missing_text"
    ARTICLE_NOT_SCORED = "article_not_scored"
    UNKNOWN_TAG = "unknown_tag"
    POINTS_MISSING = "points_missing"
    OUT_OF_RANGE = "out_of_range"
    POINTS_NOT_GRADED = "points_not_graded"
    PERSONS_NOT_PER_PERSON = "persons_not_per_person"
    PERSONS_MISMATCH = "persons_mismatch"
    UNKNOWN_INSPECTION = "unknown_inspection"
    INSPECTION_MISMATCH = "inspection_mismatch"
    OUTLET_CONFLICT = "outlet_conflict"
    NO_RULE = "no_rule"
    AMBIGUOUS_RULES = "ambiguous_rules"
    UNREADABLE_CELL = "unreadable_cell"
    UNREGISTERED_OUTLET = "unregistered_outlet"
    UNKNOWN_COUNTY = "unknown_county"
    # appeals (申诉) and corrections (更正)
    UNKNOWN_TARGET = "unknown_target"
    DUPLICATE_APPEAL = "duplicate_appeal"
    POINTS_WITHOUT_AMENDED = "points_without_amended"
    AMENDED_WITHOUT_POINTS = "amended_without_points"
    DECISION_WITHOUT_DECIDED = "decision_without_decided"
    DECIDED_WITHOUT_DECISION = "decided_without_decision"
    DECIDED_BEFORE_FILED = "decided_before_filed"
    NOT_AMENDABLE = "not_amendable"
    UNKNOWN_REPLACED = "unknown_replaced"
    REPLACEMENT_CYCLE = "replacement_cycle"
    DUPLICATE_REPLACEMENT = "duplicate_replacement"

    @property
    def label(self) -> str:
        """What the code means, in Chinese, for people reading a table."""
        return REJECTION_LABELS[self]


#: What each rejection code means, for people reading a table (the JSON keeps the codes).
REJECTION_LABELS: dict[RejectionCode, str] = {
    RejectionCode.MALFORMED_JSON: "不是有效的JSON",
    RejectionCode.INVALID_UTF8: "不是UTF-8编码",
    RejectionCode.NOT_AN_OBJECT: "不是JSON对象",
    RejectionCode.UNKNOWN_TYPE: "记录类型未知",
    RejectionCode.MISSING_FIELD: "缺少字段",
    RejectionCode.UNKNOWN_FIELD: "未知字段(可能拼写错误)",
    RejectionCode.WRONG_TYPE: "字段类型错误",
    RejectionCode.INVALID_VALUE: "字段取值不允许",
    RejectionCode.INVALID_DATE: "日期无效",
    RejectionCode.DATE_OUT_OF_RANGE: "日期超出1900至2099年",
    RejectionCode.DUPLICATE_ID: "编号重复",
    RejectionCode.UNKNOWN_ARTICLE: "规则包中无此条",
    RejectionCode.ARTICLE_MISSING_TEXT: "该条原文缺失,暂不能评分",
    RejectionCode.ARTICLE_NOT_SCORED: "该条不计分",
    RejectionCode.UNKNOWN_TAG: "该条无此标签",
    RejectionCode.POINTS_MISSING: "缺少评定分值",
    RejectionCode.OUT_OF_RANGE: "数值超出范围",
    RejectionCode.POINTS_NOT_GRADED: "该项为固定扣分,不应填写分值",
    RejectionCode.PERSONS_NOT_PER_PERSON: "该项不按人次扣分,不应填写人次",
    RejectionCode.PERSONS_MISMATCH: "人次与员工名单不符",
    RejectionCode.UNKNOWN_INSPECTION: "所引检查记录不存在",
    RejectionCode.INSPECTION_MISMATCH: "所引检查记录的网点或日期不符",
    RejectionCode.OUTLET_CONFLICT: "网点信息与前文矛盾",
    RejectionCode.NO_RULE: "无适用规则",
    RejectionCode.AMBIGUOUS_RULES: "多条规则同时适用",
    RejectionCode.UNREADABLE_CELL: "单元格无法读取(公式无保存结果或Excel错误值)",
    RejectionCode.UNREGISTERED_OUTLET: "网点未在网点名录中登记",
    RejectionCode.UNKNOWN_COUNTY: "县联社不在网点名录之中",
    RejectionCode.UNKNOWN_TARGET: "申诉对象不是已采纳的问题、投诉或失职记录",
    RejectionCode.DUPLICATE_APPEAL: "同一记录已有另一申诉",
    RejectionCode.POINTS_WITHOUT_AMENDED: "只有“变更分值”的决定才可填写分值",
    RejectionCode.AMENDED_WITHOUT_POINTS: "“变更分值”的决定须填写变更后的分值",
    RejectionCode.DECISION_WITHOUT_DECIDED: "有处理决定而无决定日期",
    RejectionCode.DECIDED_WITHOUT_DECISION: "有决定日期而无处理决定",
    RejectionCode.DECIDED_BEFORE_FILED: "决定日期早于申诉日期",
    RejectionCode.NOT_AMENDABLE: "该记录不扣分,不能撤销或变更分值",
    RejectionCode.UNKNOWN_REPLACED: "所更正的记录编号不存在",
    RejectionCode.REPLACEMENT_CYCLE: "更正关系构成循环",
    RejectionCode.DUPLICATE_REPLACEMENT: "同一记录已被另一记录更正",
}


def rejection_label(code: str) -> str:
    """The Chinese label of a code; the code itself when it is not one of ours."""
    try:
        return REJECTION_LABELS[RejectionCode(code)]
    except ValueError:
        return code


# ---- finite value domains of the input contract, with their Chinese names -------------------
#: Who inspected (``inspection.by``).
INSPECTORS: dict[str, str] = {"county": "县级联社", "city": "市联社", "mystery": "明查暗访"}
#: How a complaint came in (``complaint.channel``).
CHANNELS: dict[str, str] = {"phone": "电话", "written": "书面"}
#: Kinds of a county union's lapse given in the input (``lapse.kind``).
LAPSE_KINDS: dict[str, str] = {"unfound": "应查未查", "unrectified": "应纠未纠"}
#: An appeal's decision (``appeal.decision``) and its state (``deductions[].appeal.state``).
APPEAL_DECISION_LABELS: dict[str, str] = {"upheld": "维持", "overturned": "撤销", "amended": "变更分值"}
APPEAL_STATE_LABELS: dict[str, str] = {"pending": "申诉待决", "decided": "申诉已决"}
#: Who an action is against (``action.subject_type``).
SUBJECT_TYPES: dict[str, str] = {"county": "县级联社", "outlet": "网点", "employee": "员工"}


# ---- Chinese numerals -------------------------------------------------------------------------
_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """An integer in Chinese numerals (三, 十五, 一百零八); negative numbers and 10,000 up in digits."""
    if n < 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n >= 10000:
        return str(n)
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)
