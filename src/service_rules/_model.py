"""The pack model: frozen attrs classes that a pack's TOML files load into.

A pack is data. Every number that changes a score is a :class:`Quantity` (or a
:class:`Deduct`) and says where it came from: ``literal`` (stated in the source text),
``interpreted`` (read from the text, the note says how) or ``assumed`` (not in the text,
the note says why).
"""

from __future__ import annotations

from typing import Literal, Union

import attrs

from ._importmap import ImportMap
from ._periods import Granularity, Window

Provenance = Literal["literal", "interpreted", "assumed"]
#: complete / partial: the source's own words (partial: the source is cut inside it; … marks a
#: cut the pack makes); missing: no text in the source; derived: the pack's wording of the
#: verbatim passage in ``quote``; assumed: not stated by the source (the note says why).
ArticleStatus = Literal["complete", "partial", "missing", "derived", "assumed"]
Outcome = Literal["deduct", "pending", "dismissed"]
DeductKind = Literal["fixed", "graded", "per_person"]
FloorPolicy = Literal["none", "minimum"]

#: What a ``when`` entry may hold: a value (equality), a list (any of), or operators.
Scalar = Union[str, int, bool]
ConditionValue = Union[Scalar, list[Scalar], dict[str, Union[Scalar, list[Scalar]]]]


@attrs.frozen
class Quantity:
    """A number from the rules, with its provenance."""

    value: int
    provenance: Provenance
    note: str | None = None


@attrs.frozen
class Floor:
    """How low a section score may go: ``none`` (下不保底) or a ``minimum`` value."""

    policy: FloorPolicy
    provenance: Provenance
    value: int | None = None
    note: str | None = None


@attrs.frozen
class PackMeta:
    name: str
    title: str
    version: str
    floor: Floor
    total: Quantity | None = None
    extends: str | None = None
    #: What the pack's articles are called in reports: 条 (articles of a regulation) or 项 (items).
    article_unit: str = "条"
    language: str = "zh-CN"
    source: str | None = None
    description: str | None = None
    #: The source text as a file beside pack.toml (UTF-8): verbatim texts and quotations are checked against it.
    source_file: str | None = None
    #: The scoring period: one scorecard per outlet and ``month`` (``2027-03``), ``quarter``
    #: (``2027Q1``), ``half_year`` (``2027H1``) or ``year`` (``2027``).
    period: Granularity = "quarter"


@attrs.frozen
class Section:
    """A chapter of the regulation; ``scored`` ones appear in every scorecard."""

    number: int
    scored: bool
    title: str | None = None
    allotment: Quantity | None = None
    note: str | None = None
    #: This section's own floor; None: the pack's (``[pack.floor]``).
    floor: Floor | None = None


@attrs.frozen
class Article:
    """An article with its original text; ``missing`` ones have no text in the source."""

    number: int
    status: ArticleStatus
    section: int | None = None
    text: str | None = None
    tags: dict[str, str] = attrs.field(factory=dict)
    note: str | None = None
    #: For a ``derived`` (or ``assumed``) item: the verbatim passage of the source it comes from.
    quote: str | None = None


@attrs.frozen
class Deduct:
    """How many points a matched observation costs, with the provenance of those numbers.

    ``fixed``: ``points`` per observation. ``graded``: the inspector's grade, an integer
    from ``min`` to ``max``. ``per_person``: ``points`` per person-time.
    """

    kind: DeductKind
    provenance: Provenance
    points: int | None = None
    min: int | None = None
    max: int | None = None
    note: str | None = None


@attrs.frozen
class Rule:
    """A declarative rule: which observations it matches (``when``) and what follows."""

    id: str
    section: int
    when: dict[str, ConditionValue]
    reason: str
    outcome: Outcome = "deduct"
    article: int | None = None
    title: str | None = None
    deduct: Deduct | None = None
    supersedes: list[str] = attrs.field(factory=list)
    cap: Quantity | None = None
    note: str | None = None
    #: The provenance of every number ``when`` compares with (a time limit, a threshold), keyed
    #: by its path in ``when``: ``"measured.lte"`` for ``measured = { lte = 300 }``, ``"persons"``
    #: for ``persons = 2``. Article and section numbers are identifiers and need none.
    limits: dict[str, Quantity] = attrs.field(factory=dict)
    #: Quotations in this rule's texts known not to be verbatim, each with why it is kept
    #: (a reason whose wording is part of a published result); ``check`` lists none of them as errors.
    unverified_quotes: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Step:
    """One rung of a ladder: the action taken on the nth counted fact."""

    action: str
    label: str
    circulate: bool = False


@attrs.frozen
class Ladder:
    """Escalation by count: the nth fact matching ``when`` for one subject within a window
    yields the nth step (the last step repeats). The facts may be derived by other rules."""

    id: str
    when: dict[str, ConditionValue]
    subject: str
    subject_type: Literal["county", "outlet", "employee"]
    window: Window
    window_provenance: Provenance
    steps: list[Step]
    steps_provenance: Provenance
    reason: str
    article: int | None = None
    title: str | None = None
    window_note: str | None = None
    steps_note: str | None = None
    #: The provenance of the numbers ``when`` compares with (see :attr:`Rule.limits`).
    limits: dict[str, Quantity] = attrs.field(factory=dict)
    #: Count apart per these fields of the facts as well as per subject ("the same error by the
    #: same employee": ``same = ["article"]``); a lapse ladder may name ``kind``.
    same: list[str] = attrs.field(factory=list)


@attrs.frozen
class Streak:
    """Reward or act on runs: every full run of ``length`` consecutive months in which a fact
    matching ``when`` names the same subject yields one ``action`` (six in a row: two)."""

    id: str
    when: dict[str, ConditionValue]
    subject: str
    subject_type: Literal["county", "outlet", "employee"]
    length: Quantity
    action: str
    label: str
    reason: str
    circulate: bool = False
    article: int | None = None
    title: str | None = None
    #: The provenance of the numbers ``when`` compares with (see :attr:`Rule.limits`).
    limits: dict[str, Quantity] = attrs.field(factory=dict)


@attrs.frozen
class Cadence:
    """Every registered outlet needs ``min_inspections`` inspections ``by`` its county each
    judged quarter; a county that falls short gets ``action`` and, if ``lapse`` is set, a
    derived lapse of that kind."""

    id: str
    by: str
    min_inspections: Quantity
    action: str
    reason: str
    article: int | None = None
    lapse: str | None = None
    title: str | None = None


@attrs.frozen
class ReportDeadline:
    """A county's report on quarter Q is due on day ``day`` of month ``month`` of the next quarter."""

    id: str
    month: Quantity
    day: Quantity
    late_action: str
    missing_action: str
    late_reason: str
    missing_reason: str
    article: int | None = None
    lapse: str | None = None
    title: str | None = None


@attrs.frozen
class CrossCheck:
    """An inspection ``by`` (city) that finds an article the county's own inspections of the
    outlet that quarter did not record derives a lapse of kind ``lapse`` for the county."""

    id: str
    by: str
    against: str
    lapse: str
    reason: str
    article: int | None = None
    title: str | None = None
    provenance: Provenance = "interpreted"
    note: str | None = None


@attrs.frozen
class Exclusion:
    """A fact that makes an outlet ineligible for recommendation in its year."""

    code: str
    when: dict[str, ConditionValue]
    reason: str
    provenance: Provenance = "interpreted"
    note: str | None = None
    #: The provenance of the numbers ``when`` compares with (see :attr:`Rule.limits`).
    limits: dict[str, Quantity] = attrs.field(factory=dict)


@attrs.frozen
class Recommendation:
    """Who may be recommended as a model unit, and the notice printed with the list."""

    title: str
    notice: str
    exclude: list[Exclusion] = attrs.field(factory=list)
    every_quarter_inspected: bool = True
    article: int | None = None
    note: str | None = None


@attrs.frozen
class Oversight:
    ladders: list[Ladder] = attrs.field(factory=list)
    streaks: list[Streak] = attrs.field(factory=list)
    cadences: list[Cadence] = attrs.field(factory=list)
    deadlines: list[ReportDeadline] = attrs.field(factory=list)
    crosschecks: list[CrossCheck] = attrs.field(factory=list)
    recommendation: Recommendation | None = None
    #: Chinese names of lapse kinds, for reasons (``unfound = "应查未查处"``)
    lapse_labels: dict[str, str] = attrs.field(factory=dict)
    #: Chinese names of action codes, for reports (``written_review = "书面检查"``)
    action_labels: dict[str, str] = attrs.field(factory=dict)
    #: Conditions on a window's results that produce actions (see :class:`Threshold`).
    thresholds: list[Threshold] = attrs.field(factory=list)
    #: Sanctions of which only the highest applies (see :class:`SanctionGroup`).
    sanction_groups: list[SanctionGroup] = attrs.field(factory=list)


@attrs.frozen
class LayerChange:
    """What a layer did to an entry of the pack it extends (or added to it)."""

    kind: str  # sections, articles, rules, ladders, …
    key: str
    action: Literal["add", "override", "disable", "replace"]
    layer: str
    file: str
    base_layer: str | None
    #: For an override: the keys whose value it changed (none: the override changes nothing).
    changed: list[str] = attrs.field(factory=list)
    #: The tables the layer replaced whole (``replace = true``), as paths inside the entry
    #: (``floor``); a ``replace`` change is one whole entry or table replaced.
    replaced: list[str] = attrs.field(factory=list)


@attrs.frozen
class Pack:
    """A whole pack as loaded: metadata, sections, articles and rules, with the files they came from."""

    meta: PackMeta
    sections: list[Section]
    articles: list[Article]
    rules: list[Rule]
    oversight: Oversight = attrs.field(factory=Oversight)
    root: str | None = None
    digest: str | None = None
    #: The layers, base first (a pack that extends nothing has one: itself).
    layers: list[str] = attrs.field(factory=list)
    #: Which layer last defined each rule.
    rule_layers: dict[str, str] = attrs.field(factory=dict)
    #: Every override, removal and addition the layers above the base made.
    changes: list[LayerChange] = attrs.field(factory=list)
    #: Where each entry of the merged lists came from: ``"rules[25]"`` → (``"langfang/rules.toml"``, 2).
    entry_origins: dict[str, tuple[str, int]] = attrs.field(factory=dict)
    #: The source file each layer names (``source_file``), by layer name, as a path.
    sources: dict[str, str] = attrs.field(factory=dict)
    #: The import map (``imports.toml``): Chinese headers and labels of office sheets.
    imports: ImportMap = attrs.field(factory=ImportMap)
    #: The amended texts, in date order (``amendments.toml``); the pack itself is the text before the first.
    amendments: list[AmendedText] = attrs.field(factory=list)
    #: Money and employees (``money.toml``): point rates, fines, the employee ledger.
    money: Money = attrs.field(factory=lambda: Money())

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> str:
        return self.meta.version


# One file each; the loader structures every file into its class and merges them.
@attrs.frozen
class PackFile:
    pack: PackMeta


@attrs.frozen
class SectionsFile:
    sections: list[Section]


@attrs.frozen
class ArticlesFile:
    articles: list[Article]


@attrs.frozen
class RulesFile:
    rules: list[Rule]


PACK_FILES: dict[str, type] = {
    "pack.toml": PackFile,
    "sections.toml": SectionsFile,
    "articles.toml": ArticlesFile,
    "rules.toml": RulesFile,
    "oversight.toml": Oversight,
}
#: Pack files read and layered like the others but outside ``digest`` (which identifies what
#: scores a record); the import map only decides how sheets become records.
SIDE_FILES: dict[str, type] = {"imports.toml": ImportMap}


# ---- issue 9, periods and floors ---------------------------------------------------------------
def floor_of(meta: PackMeta, section: Section) -> Floor:
    """The floor of a section: its own, or else the pack's."""
    return section.floor if section.floor is not None else meta.floor


# ---- Dated amendments (issue 12) ---------------------------------------------------------
@attrs.frozen
class Amendment:
    """A dated change to a pack: a layer (``folder``, relative to the pack, holding the same
    files as a layer over ``extends``; every file optional) in force from ``effective``
    (``YYYY-MM-DD``), made by ``document`` (the amending document: its title and number).
    ``provenance`` says whether that document and date are the source's (``literal``) or
    ``assumed`` (the note says why)."""

    id: str
    effective: str
    document: str
    folder: str
    provenance: Provenance = "literal"
    note: str | None = None


@attrs.frozen
class AmendmentsFile:
    """``amendments.toml``: the pack's amendments, strictly increasing in date."""

    amendments: list[Amendment] = attrs.field(factory=list)


@attrs.frozen
class AmendedText:
    """The whole text in force from ``amendment.effective`` until the next amendment's date:
    a pack with every amendment up to this one applied (and no amendments of its own)."""

    amendment: Amendment
    pack: Pack


#: The pack file that lists amendments (beside pack.toml; read from the pack's own folder only).
AMENDMENTS_FILE = "amendments.toml"


# ---- money and employees (money.toml) ------------------------------------------------------------

#: An amount of yuan as a pack writes it: a string (``"12.50"``, at most two decimals) or an
#: integer (``10``); never a TOML float. The compiler reads it as a Decimal.
Amount = Union[str, int]


@attrs.frozen
class Rate:
    """Yuan per deducted point: for the whole pack (neither ``section`` nor ``rule``), a section,
    or a rule; the most specific applies. It applies to the points a deduction takes after caps
    and before any floor (``points``, not ``raw_points``; what a floor absorbs still costs)."""

    id: str
    per_point: Amount
    provenance: Provenance
    section: int | None = None
    rule: str | None = None
    note: str | None = None
    article: int | None = None


@attrs.frozen
class FineAction:
    """An action taken from the ``start``-th occurrence on (第三次起记入不良记录: start = 3)."""

    start: int
    action: str
    label: str
    circulate: bool = False


@attrs.frozen
class FineRule:
    """A fine per occurrence: each deduction matching ``when`` is one occurrence for its subject
    (``subject`` = each employee it names, or the outlet); occurrences of "the same thing" (``same``: rule,
    article, section, tag, or a combination) by one subject within one ``window`` are counted,
    and the nth costs ``first`` × ``factor``^(n−1) (``first`` alone: every time), or
    ``steps[n−1]`` (the last step repeats), at most ``cap``. ``actions`` start at their n-th occurrence."""

    id: str
    subject: Literal["employee", "outlet"]
    window: Literal["month", "quarter", "half_year", "year", "none"]
    provenance: Provenance
    reason: str
    #: The first occurrence's amount (with ``factor``: each repeat multiplies it); or ``steps``.
    first: Amount | None = None
    #: Which deductions count (fields: type, rule, article, section, tag); empty: every deduction.
    when: dict[str, ConditionValue] = attrs.field(factory=dict)
    same: list[str] = attrs.field(factory=lambda: ["rule"])
    factor: Amount | None = None
    steps: list[Amount] = attrs.field(factory=list)
    cap: Amount | None = None
    #: A deduction naming no employee when ``subject = "employee"``: the outlet is fined
    #: (``"outlet"``, the default) or nobody (``"none"``).
    without_employee: Literal["outlet", "none"] = "outlet"
    actions: list[FineAction] = attrs.field(factory=list)
    article: int | None = None
    title: str | None = None
    note: str | None = None
    window_provenance: Provenance = "literal"
    window_note: str | None = None


@attrs.frozen
class EmployeeLedger:
    """The per-employee ledger: how a deduction naming several employees is shared — ``full``
    (each bears all its points and money) or ``split`` (equal parts to 0.01, largest remainder)."""

    share: Literal["full", "split"]
    provenance: Provenance
    note: str | None = None


@attrs.frozen
class Money:
    """``money.toml``: point rates, fines, and the employee ledger (absent: no ledger)."""

    rates: list[Rate] = attrs.field(factory=list)
    fines: list[FineRule] = attrs.field(factory=list)
    employees: EmployeeLedger | None = None
    #: Chinese names of the fines' action codes, for reports (``bad_record = "记入不良记录"``)
    action_labels: dict[str, str] = attrs.field(factory=dict)


PACK_FILES["money.toml"] = Money


# --- Thresholds and sanction groups (issue 9: "月度得分低于80分的网点限期整改", "按最高标准执行") ---

#: What a threshold measures: the total, a section's score, the points deducted (of a section or
#: all), or money (yuan): the amounts charged for points (of a section or all), or the fines.
ThresholdQuantity = Literal["total", "score", "deducted", "amount", "fined"]
#: How the quantity compares with the threshold's value: 低于 lt, 不高于 lte, 超过 gt, 达到 gte.
ThresholdCompare = Literal["lt", "lte", "gt", "gte"]
ThresholdSubject = Literal["outlet", "county", "employee"]
#: Chinese words of the quantities and comparisons (reasons, the pack's document).
QUANTITY_WORDS: dict[str, str] = {
    "total": "总分",
    "score": "得分",
    "deducted": "扣分",
    "amount": "扣款金额",
    "fined": "罚款金额",
}
COMPARE_WORDS: dict[str, str] = {"lt": "低于", "lte": "不高于", "gt": "超过", "gte": "达到"}
ThresholdWindow = Literal["month", "quarter", "half_year", "year"]


@attrs.frozen
class ThresholdValue:
    """The number a threshold compares with: points (an integer) or yuan (``"500.00"`` or 500)."""

    value: int | str
    provenance: Provenance
    note: str | None = None


@attrs.frozen
class Threshold:
    """A condition on a window's results: the ``quantity`` of each ``subject_type`` in each
    ``window`` (the pack's scoring period unless set), compared (``compare``) with ``value``,
    yields ``action`` against the subject (or, ``against = "county"``, its county union).
    Judged for windows that ended by the as-of day; open windows are provisional."""

    id: str
    quantity: ThresholdQuantity
    compare: ThresholdCompare
    value: ThresholdValue
    action: str
    label: str
    reason: str
    subject_type: ThresholdSubject = "outlet"
    against: ThresholdSubject | None = None
    section: int | None = None
    window: ThresholdWindow | None = None
    circulate: bool = False
    article: int | None = None
    title: str | None = None
    note: str | None = None


@attrs.frozen
class GroupMember:
    """A sanction of a group: the actions of rule ``rule`` (a ladder, streak, cadence, deadline,
    threshold, or fine rule), or only its ``action``, ranked ``rank`` (higher is heavier)."""

    rule: str
    rank: int
    action: str | None = None


@attrs.frozen
class SanctionGroup:
    """Sanctions of which only the highest applies ("按最高标准执行,不重复奖罚"): of the
    members' actions for one subject in one period, the highest rank is kept (ties: the rule id
    first in order), the others are absorbed by it and listed as such."""

    id: str
    members: list[GroupMember]
    title: str | None = None
    article: int | None = None
    provenance: Provenance = "literal"
    note: str | None = None
