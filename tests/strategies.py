"""Hypothesis strategies: generated packs, and observation records valid (or deliberately not) for them.

A generated pack comes as a :class:`GenPack`: the :class:`~service_rules.Pack` itself plus what it
was *designed* to decide (which rule owns each finding shape ``(article, tag)`` once supersession
is done, which rule owns each complaint shape). Generated observations come as
:class:`Observations`: the records plus, per record id, what should become of it (:class:`Expect`:
rejected with which code, or accepted under which rule for how many raw points). Tests compare
the library's results with these designs, which are computed here from the way the pack was built,
never by asking the library.

Everything generated is meant to compile: every finding shape is owned by exactly one rule after
supersession, non-literal numbers carry notes, graded ranges fit their section's allotment, and a
stated total equals the sum of the scored allotments.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
from hypothesis import strategies as st

from service_rules import Article, Deduct, Floor, Pack, PackMeta, Quantity, Rule, Section, load_pack

PROVENANCES = ("literal", "interpreted", "assumed")
KINDS = ("fixed", "graded", "per_person")
TAG_POOL = ("harsh_tone", "forbidden_phrase", "drunk_on_duty", "迟到")
UNKNOWN_TAG = "zz_not_a_tag"
UNKNOWN_ARTICLE = 999
#: Dates across four quarters of 2026 (two on quarter edges).
DATES = ("2026-01-05", "2026-03-31", "2026-04-01", "2026-07-14", "2026-09-30", "2026-12-31")
PERIODS = (None, "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2025Q4")
OUTLETS = ("HJ-01", "HJ-02", "RQ-01", "泊头-1")
COUNTIES = ("河间", "任丘")
REASONS = (
    "第{article}条扣{points}分。",
    "{tag}:{persons}人(次),共扣{points}分(原{raw_points}分)。",
    "固定理由,不含占位符。",
    "{article}/{tag}/{persons}/{points}/{raw_points}",
)

short_texts = st.text(alphabet="abcxyz条款扣分章节", min_size=1, max_size=6)


def quarter_of(date: str) -> str:
    """``2026-07-14`` → ``2026Q3`` (written here, not imported, so tests do not borrow it)."""
    year, month = int(date[:4]), int(date[5:7])
    return f"{year}Q{(month - 1) // 3 + 1}"


# ---- numbers with provenance ---------------------------------------------------------------------


@st.composite
def provenanced(draw: st.DrawFn) -> tuple[str, str | None]:
    """A provenance and a note: required (non-blank) unless the number is literal."""
    prov = draw(st.sampled_from(PROVENANCES))
    note = draw(short_texts) if prov != "literal" else draw(st.none() | short_texts)
    return prov, note


@st.composite
def quantities(draw: st.DrawFn, min_value: int = 0, max_value: int = 30) -> Quantity:
    prov, note = draw(provenanced())
    return Quantity(draw(st.integers(min_value, max_value)), prov, note)


@st.composite
def floors(draw: st.DrawFn, policy: str | None = None, min_value: int = -10, max_value: int = 10) -> Floor:
    """``none`` (no value) or ``minimum`` with a value from ``min_value`` to ``max_value``."""
    policy = policy or draw(st.sampled_from(("none", "minimum")))
    prov, note = draw(provenanced())
    value = draw(st.integers(min_value, max_value)) if policy == "minimum" else None
    return Floor(policy, prov, value=value, note=note)  # type: ignore[arg-type]


@st.composite
def deducts(draw: st.DrawFn, allotment: int, kinds: tuple[str, ...] = KINDS) -> Deduct:
    """A deduction valid in a section of ``allotment`` points (a graded max never exceeds it)."""
    kind = draw(st.sampled_from(kinds))
    prov, note = draw(provenanced())
    if kind == "graded":
        low = draw(st.integers(0, min(allotment, 6)))
        high = draw(st.integers(low, min(allotment, low + 6)))
        return Deduct("graded", prov, min=low, max=high, note=note)  # type: ignore[arg-type]
    return Deduct(kind, prov, points=draw(st.integers(1, 8)), note=note)  # type: ignore[arg-type]


# ---- generated packs ------------------------------------------------------------------------------


@attrs.frozen
class GenPack:
    """A generated pack with the decisions it was built to make."""

    pack: Pack
    #: (article, tag or None) → the id of the rule that must decide such a finding.
    finding_rules: dict[tuple[int, str | None], str]
    #: (verified or None, account_transferred) → rule id; empty when no rule reads complaints.
    complaint_rules: dict[tuple[bool | None, bool], str]

    @property
    def rules(self) -> dict[str, Rule]:
        return {r.id: r for r in self.pack.rules}

    @property
    def sections(self) -> dict[int, Section]:
        return {s.number: s for s in self.pack.sections}

    @property
    def scored_sections(self) -> list[Section]:
        return sorted((s for s in self.pack.sections if s.scored), key=lambda s: s.number)

    @property
    def floor(self) -> int | None:
        f = self.pack.meta.floor
        return f.value if f.policy == "minimum" else None

    def finding_keys(self) -> list[tuple[int, str | None]]:
        return sorted(self.finding_rules, key=lambda k: (k[0], k[1] or ""))

    def articles_where(self, *, missing: bool, scored: bool | None = None) -> list[int]:
        sections = self.sections
        out = []
        for a in self.pack.articles:
            if (a.status == "missing") != missing:
                continue
            if scored is not None:
                s = sections.get(a.section) if a.section is not None else None
                if (s is not None and s.scored) != scored:
                    continue
            out.append(a.number)
        return sorted(out)


def _cond(draw: st.DrawFn, value: Any) -> Any:
    """One value written in any of the equivalent forms a ``when`` entry allows."""
    form = draw(st.integers(0, 3))
    return (value, [value], {"eq": value}, {"in": [value]})[form]


def _tag_cond(draw: st.DrawFn, group: list[str]) -> Any:
    if len(group) == 1:
        return _cond(draw, group[0])
    return list(group) if draw(st.booleans()) else {"in": list(group)}


@st.composite
def _finding_rule(
    draw: st.DrawFn,
    rule_id: str,
    section: Section,
    when: dict[str, Any],
    *,
    article: int | None = None,
    supersedes: tuple[str, ...] = (),
    cap_max: int | None = 12,
    always: bool = False,
) -> Rule:
    assert section.allotment is not None
    cap = None
    if cap_max:
        cap = draw(quantities(1, cap_max) if always else st.none() | quantities(1, cap_max))
    return Rule(
        id=rule_id,
        section=section.number,
        when=when,
        reason=draw(st.sampled_from(REASONS)),
        article=article,
        title=draw(st.none() | short_texts),
        deduct=draw(deducts(section.allotment.value)),
        supersedes=list(supersedes),
        cap=cap,
    )


@st.composite
def _complaint_rules(
    draw: st.DrawFn, scored: list[Section], cap_max: int | None, always: bool = False
) -> tuple[list[Rule], dict[tuple[bool | None, bool], str]]:
    """Complaint rules in one of three designs, with the rule each complaint shape must get."""
    variant = draw(st.sampled_from(("cangzhou", "explicit", "catch_all", "none")))
    if variant == "none" or not scored:
        return [], {}
    section = draw(st.sampled_from(scored))

    def rule(rule_id: str, when: dict[str, Any], outcome: str = "deduct", supersedes: tuple[str, ...] = ()) -> Rule:
        deduct = cap = None
        if outcome == "deduct":
            prov, note = draw(provenanced())
            deduct = Deduct("fixed", prov, points=draw(st.integers(1, 20)), note=note)  # type: ignore[arg-type]
            if cap_max:
                caps = quantities(1, 2 * cap_max)
                cap = draw(caps if always else st.none() | caps)
        return Rule(
            id=rule_id,
            section=section.number,
            when={"type": "complaint", **when},
            reason=draw(st.sampled_from(REASONS)),
            outcome=outcome,  # type: ignore[arg-type]
            deduct=deduct,
            supersedes=list(supersedes),
            cap=cap,
        )

    outcomes = st.sampled_from(("deduct", "pending", "dismissed"))
    if variant == "catch_all":
        only = rule("c-all", {}, draw(outcomes))
        return [only], {(v, t): only.id for v in (None, True, False) for t in (True, False)}
    unverified = rule("c-unverified", {"verified": {"exists": False}}, draw(outcomes))
    refuted = rule("c-refuted", {"verified": _cond(draw, False)}, draw(st.sampled_from(("dismissed", "pending"))))
    rules = [unverified, refuted]
    owner: dict[tuple[bool | None, bool], str] = {}
    for t in (True, False):
        owner[(None, t)] = unverified.id
        owner[(False, t)] = refuted.id
    if variant == "cangzhou":
        # verified → one rule; a transfer rule, when present, supersedes it.
        verified = rule("c-verified", {"verified": _cond(draw, True)})
        rules.append(verified)
        owner[(True, False)] = owner[(True, True)] = verified.id
        if draw(st.booleans()):
            transfer = rule("c-transfer", {"verified": True, "account_transferred": True}, supersedes=(verified.id,))
            rules.append(transfer)
            owner[(True, True)] = transfer.id
    else:
        # verified, split explicitly on account_transferred (false / true): no supersession.
        kept = rule("c-kept", {"verified": True, "account_transferred": _cond(draw, False)})
        moved = rule("c-moved", {"verified": True, "account_transferred": True})
        rules += [kept, moved]
        owner[(True, False)] = kept.id
        owner[(True, True)] = moved.id
    return rules, owner


@st.composite
def packs(
    draw: st.DrawFn,
    *,
    floor: str | None = None,
    caps: str = "some",
    complaints: bool = True,
    max_sections: int = 4,
    max_articles: int = 7,
) -> GenPack:
    """A pack that compiles, with the rule designed to decide each finding and complaint shape.

    Scored sections get one of three designs: a section rule ``{type="finding", section=N}``;
    one rule per article ``{type="finding", article=A}``; or both, the article rules superseding
    the section rule. Tagged articles may get rules ``{type="finding", article=A, tag=[...]}`` for
    disjoint groups of their tags, superseding the rule that would otherwise decide the article.

    ``floor`` is the floor policy (``"none"``, ``"minimum"``, or None for either); a minimum is
    never above a scored section's allotment (compile_pack rejects that). ``caps`` says which
    deducting rules have a cap: ``"none"``, ``"some"`` (each one by chance) or ``"all"``; a pack's
    caps are tight (up to 3 points, so that they bite) or loose (up to 12).
    """
    cap_max = draw(st.sampled_from((3, 12))) if caps != "none" else None
    n = draw(st.integers(1, max_sections))
    numbers = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n, unique=True))
    scored_flags = [True, *draw(st.lists(st.booleans(), min_size=n - 1, max_size=n - 1))]
    sections = []
    for number, scored in zip(numbers, scored_flags, strict=True):
        allotment = draw(quantities(0, 30)) if scored else draw(st.none() | quantities(0, 30))
        sections.append(Section(number, scored, title=draw(st.none() | short_texts), allotment=allotment))
    by_number = {s.number: s for s in sections}
    scored_sections = sorted((s for s in sections if s.scored), key=lambda s: s.number)

    m = draw(st.integers(0, max_articles))
    article_numbers = draw(st.lists(st.integers(1, 60), min_size=m, max_size=m, unique=True))
    articles = []
    for i, number in enumerate(article_numbers):
        # The first article always has a text (most packs then have findings to score).
        status = draw(st.sampled_from(("complete", "partial", "missing"))) if i else "complete"
        if status == "missing":
            section = draw(st.none() | st.sampled_from(numbers))
            articles.append(Article(number, "missing", section=section, note=draw(st.none() | short_texts)))
            continue
        tags = draw(st.dictionaries(st.sampled_from(TAG_POOL), short_texts, max_size=3))
        # Mostly in scored sections, so that most packs have findings to score.
        home = draw(
            st.sampled_from(numbers if i and draw(st.integers(0, 3)) == 3 else [s.number for s in scored_sections])
        )
        articles.append(Article(number, status, section=home, text=draw(short_texts), tags=tags))  # type: ignore[arg-type]

    rules: list[Rule] = []
    finding_rules: dict[tuple[int, str | None], str] = {}
    for s in scored_sections:
        arts = sorted((a for a in articles if a.status != "missing" and a.section == s.number), key=lambda a: a.number)
        design = draw(st.sampled_from(("section", "article", "mixed")))
        section_rule = None
        if design in ("section", "mixed"):
            section_rule = draw(
                _finding_rule(
                    f"s{s.number}",
                    s,
                    {"type": "finding", "section": _cond(draw, s.number)},
                    cap_max=cap_max,
                    always=caps == "all",
                )
            )
            rules.append(section_rule)
        for a in arts:
            if design == "article" or (design == "mixed" and draw(st.booleans())):
                own = draw(
                    _finding_rule(
                        f"a{a.number}",
                        s,
                        {"type": "finding", "article": _cond(draw, a.number)},
                        article=draw(st.sampled_from((None, a.number))),
                        supersedes=(section_rule.id,) if section_rule is not None else (),
                        cap_max=cap_max,
                        always=caps == "all",
                    )
                )
                rules.append(own)
                base = own.id
            else:
                assert section_rule is not None
                base = section_rule.id
            finding_rules[(a.number, None)] = base
            tags = sorted(a.tags)
            groups = draw(st.lists(st.integers(0, 2), min_size=len(tags), max_size=len(tags)))
            for t in tags:
                finding_rules[(a.number, t)] = base
            for g in (1, 2):
                group = [t for t, k in zip(tags, groups, strict=True) if k == g]
                if not group:
                    continue
                # Deduct in the article's own section, or (with no `article` field) in another one.
                target = s if draw(st.integers(0, 3)) else draw(st.sampled_from(scored_sections))
                supersedes = [base]
                if section_rule is not None and base != section_rule.id and draw(st.booleans()):
                    supersedes.append(section_rule.id)  # redundant, but allowed
                tag_rule = draw(
                    _finding_rule(
                        f"a{a.number}t{g}",
                        target,
                        {"type": "finding", "article": _cond(draw, a.number), "tag": _tag_cond(draw, group)},
                        article=a.number if target is s and draw(st.booleans()) else None,
                        supersedes=tuple(supersedes),
                        cap_max=cap_max,
                        always=caps == "all",
                    )
                )
                rules.append(tag_rule)
                for t in group:
                    finding_rules[(a.number, t)] = tag_rule.id
    complaint_rules: dict[tuple[bool | None, bool], str] = {}
    if complaints:
        extra, complaint_rules = draw(_complaint_rules(scored_sections, cap_max, caps == "all"))
        rules += extra
    rules = list(draw(st.permutations(rules)))

    total = None
    if draw(st.booleans()):
        prov, note = draw(provenanced())
        total = Quantity(sum(s.allotment.value for s in scored_sections if s.allotment), prov, note)  # type: ignore[arg-type]
    meta = PackMeta(
        name="generated",
        title="生成的规则包",
        version="0.0.1",
        floor=draw(floors(floor, max_value=min(s.allotment.value for s in scored_sections if s.allotment))),
        total=total,
    )
    assert all(by_number[r.section].scored for r in rules)
    return GenPack(Pack(meta=meta, sections=sections, articles=articles, rules=rules), finding_rules, complaint_rules)


# ---- observations ---------------------------------------------------------------------------------


@attrs.frozen
class Expect:
    """What must become of one record: rejected with ``code``, or accepted (``code`` None)."""

    type: str
    code: str | None
    #: For accepted findings and complaints: the rule that decides it and the points it asks for.
    rule: str | None = None
    raw: int | None = None


@attrs.frozen
class Observations:
    records: tuple[dict[str, Any], ...]
    #: id → expected fate (outlet records have no id and are always accepted).
    expect: dict[str, Expect]

    def accepted(self, record_type: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("type") == record_type and self.expect[r["id"]].code is None]


def _valid_finding_body(draw: st.DrawFn, gp: GenPack, key: tuple[int, str | None]) -> tuple[dict[str, Any], Rule, int]:
    """Fields of a finding on ``key`` that its rule accepts, and the raw points it costs."""
    article, tag = key
    rule = gp.rules[gp.finding_rules[key]]
    d = rule.deduct
    assert d is not None
    body: dict[str, Any] = {"article": article}
    if tag is not None:
        body["tag"] = tag
    employees = draw(st.lists(st.sampled_from(("E1", "E2", "E3", "员工4")), min_size=1, max_size=3, unique=True))
    if d.kind == "graded":
        assert d.min is not None and d.max is not None
        raw = draw(st.integers(d.min, d.max))
        body["points"] = raw
        if draw(st.booleans()):
            body["employees"] = employees
    elif d.kind == "per_person":
        assert d.points is not None
        form = draw(st.integers(0, 3))
        persons = 1
        if form == 1:
            persons = body["persons"] = draw(st.integers(1, 4))
        elif form >= 2:
            body["employees"] = employees
            persons = len(employees)
            if form == 3:
                body["persons"] = persons
        raw = d.points * persons
    else:
        assert d.points is not None
        raw = d.points
        if draw(st.booleans()):
            body["employees"] = employees
    return body, rule, raw


@st.composite
def finding_specs(
    draw: st.DrawFn,
    gp: GenPack,
    outlets: list[str],
    inspections: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    *,
    invalid: bool = True,
    dates: tuple[str, ...] = DATES,
    keys: list[tuple[int, str | None]] | None = None,
) -> tuple[dict[str, Any], Expect]:
    """A finding (without its id) and its expected fate; invalid ones break exactly one thing.

    ``dates`` and ``keys`` (``(article, tag)`` shapes of the pack) narrow what is drawn, so that
    findings pile up on the same scorecards and rules (where caps bite and order could matter).
    """
    rec: dict[str, Any] = {
        "type": "finding",
        "outlet": draw(st.sampled_from(outlets)),
        "date": draw(st.sampled_from(dates)),
    }
    if draw(st.booleans()):
        rec["note"] = draw(short_texts)
    keys = gp.finding_keys() if keys is None else keys
    key = draw(st.sampled_from(keys)) if keys else None
    if key is not None and (not invalid or draw(st.integers(0, 4)) < 4):
        body, rule, raw = _valid_finding_body(draw, gp, key)
        rec.update(body)
        code = None
        refs = (
            ("none", "none", "none", "match", "match", "other", "unknown")
            if inspections
            else ("none",) * 7 + ("unknown",)
        )
        ref = draw(st.sampled_from(refs))
        if ref == "unknown":
            rec["inspection"] = "no-such-inspection"
            code = "unknown_inspection"
        elif ref in ("match", "other"):
            iid, outlet, date = draw(st.sampled_from(inspections))
            rec["inspection"] = iid
            if ref == "match":
                rec["outlet"], rec["date"] = outlet, date
            if (rec["outlet"], rec["date"]) != (outlet, date):
                code = "inspection_mismatch"
        return rec, Expect("finding", code, rule.id, raw)

    # Exactly one thing wrong: with the contract (any pack), or with this pack.
    choices = ["unknown_article", "invalid_date", "unknown_field", "wrong_type", "missing_field", "invalid_value"]
    pack_choices = []
    if gp.articles_where(missing=True):
        pack_choices.append("article_missing_text")
    if gp.articles_where(missing=False, scored=False):
        pack_choices.append("article_not_scored")
    if key is not None:
        body, rule, _ = _valid_finding_body(draw, gp, key)
        assert rule.deduct is not None
        pack_choices.append("unknown_tag")
        pack_choices += {
            "graded": ["points_missing", "out_of_range", "persons_not_per_person"],
            "fixed": ["points_not_graded", "persons_not_per_person"],
            "per_person": ["points_not_graded", "persons_mismatch"],
        }[rule.deduct.kind]
    else:
        body = {"article": UNKNOWN_ARTICLE}
    code = draw(st.sampled_from(pack_choices if pack_choices and not draw(st.booleans()) else choices))
    rec.update(body)
    if code == "unknown_article":
        rec = {k: v for k, v in rec.items() if k not in ("tag", "points", "persons", "employees")}
        rec["article"] = UNKNOWN_ARTICLE
    elif code == "article_missing_text":
        rec = {k: v for k, v in rec.items() if k not in ("tag", "points", "persons", "employees")}
        rec["article"] = draw(st.sampled_from(gp.articles_where(missing=True)))
    elif code == "article_not_scored":
        rec = {k: v for k, v in rec.items() if k not in ("tag", "points", "persons", "employees")}
        rec["article"] = draw(st.sampled_from(gp.articles_where(missing=False, scored=False)))
    elif code == "invalid_date":
        rec["date"] = draw(st.sampled_from(("2026-02-30", "2026-13-01", "2026/07/14", "14.07.2026")))
    elif code == "unknown_field":
        rec["colour"] = "red"
    elif code == "wrong_type":
        rec["article"] = str(rec["article"])
    elif code == "missing_field":
        del rec["outlet"]
    elif code == "invalid_value":
        rec["persons"] = draw(st.integers(-2, 0))
    elif code == "unknown_tag":
        rec["tag"] = UNKNOWN_TAG
    elif code == "points_missing":
        del rec["points"]
    elif code == "out_of_range":
        d = gp.rules[gp.finding_rules[key]].deduct  # type: ignore[index]
        assert d is not None and d.min is not None and d.max is not None
        rec["points"] = draw(st.sampled_from((d.min - 1, d.max + 1)))
    elif code == "points_not_graded":
        rec["points"] = draw(st.integers(0, 3))
    elif code == "persons_not_per_person":
        rec["persons"] = draw(st.integers(1, 3))
    elif code == "persons_mismatch":
        employees = draw(st.lists(st.sampled_from(("E1", "E2", "E3")), min_size=1, max_size=3, unique=True))
        rec["employees"] = employees
        rec["persons"] = draw(st.integers(1, 5).filter(lambda p: p != len(employees)))
    return rec, Expect("finding", code)


@st.composite
def complaint_specs(
    draw: st.DrawFn, gp: GenPack, outlets: list[str], *, invalid: bool = True, dates: tuple[str, ...] = DATES
) -> tuple[dict[str, Any], Expect]:
    rec: dict[str, Any] = {
        "type": "complaint",
        "outlet": draw(st.sampled_from(outlets)),
        "date": draw(st.sampled_from(dates)),
        "channel": draw(st.sampled_from(("phone", "written"))),
    }
    verified = draw(st.sampled_from((None, True, False)))
    transferred = draw(st.sampled_from((None, True, False)))
    if verified is not None:
        rec["verified"] = verified
        if draw(st.booleans()):
            rec["verified_on"] = draw(st.sampled_from(DATES))
    if transferred is not None:
        rec["account_transferred"] = transferred
    if draw(st.booleans()):
        rec["employee"] = draw(st.sampled_from(("E1", "员工2")))
    if draw(st.booleans()):
        rec["note"] = draw(short_texts)
    if invalid and draw(st.integers(0, 5)) == 0:
        code = draw(st.sampled_from(("invalid_value", "wrong_type", "invalid_date", "missing_field")))
        if code == "invalid_value":
            rec["channel"] = "fax"
        elif code == "wrong_type":
            rec["verified"] = "yes"
        elif code == "invalid_date":
            rec["verified_on"] = "2026-02-30"
        else:
            del rec["channel"]
        return rec, Expect("complaint", code)
    owner = gp.complaint_rules.get((verified, bool(transferred)))
    if owner is None:
        return rec, Expect("complaint", "no_rule")
    rule = gp.rules[owner]
    raw = rule.deduct.points if rule.deduct is not None else None
    return rec, Expect("complaint", None, owner, raw)


@st.composite
def observations(
    draw: st.DrawFn,
    gp: GenPack,
    *,
    invalid: bool = True,
    complaints: bool = True,
    max_records: int = 16,
) -> Observations:
    """Outlets, inspections, findings and complaints for ``gp``, all with unique ids.

    With ``invalid`` some findings and complaints break one rule of the contract or the pack
    (a known rejection code each); the rest are accepted and valid for their rule.
    """
    outlets = draw(st.lists(st.sampled_from(OUTLETS), min_size=1, max_size=3, unique=True))
    inspections = [
        (f"i{k}", draw(st.sampled_from(outlets)), draw(st.sampled_from(DATES))) for k in range(draw(st.integers(0, 2)))
    ]
    # A few dates and finding shapes this time, so that observations meet on scorecards and rules;
    # half the time crowded: the first outlet, one quarter (Q3), at most two shapes.
    crowded = draw(st.booleans())
    all_keys = gp.finding_keys()
    if crowded:
        dates = ("2026-07-14", "2026-09-30")
        keys = draw(st.lists(st.sampled_from(all_keys), min_size=1, max_size=2, unique=True)) if all_keys else []
    else:
        dates = tuple(draw(st.lists(st.sampled_from(DATES), min_size=1, max_size=len(DATES), unique=True)))
        keys = draw(st.lists(st.sampled_from(all_keys), min_size=1, max_size=4, unique=True)) if all_keys else []
    spec = finding_specs(gp, outlets[:1] if crowded else outlets, inspections, invalid=invalid, dates=dates, keys=keys)
    if complaints:
        spec = st.one_of(spec, complaint_specs(gp, outlets, invalid=invalid, dates=dates))
    n = draw(st.integers(1, max_records))  # sized first: lists on their own stay short
    specs = draw(st.lists(spec, min_size=n, max_size=n))
    numbers = draw(st.permutations(range(len(specs))))
    records: list[dict[str, Any]] = []
    expect: dict[str, Expect] = {}
    for (body, fate), k in zip(specs, numbers, strict=True):
        rid = f"r{k}"
        records.append({"id": rid, **body})
        expect[rid] = fate
    for iid, outlet, date in inspections:
        records.append(
            {
                "type": "inspection",
                "id": iid,
                "outlet": outlet,
                "date": date,
                "by": draw(st.sampled_from(("county", "city"))),
            }
        )
        expect[iid] = Expect("inspection", None)
    for outlet in outlets:
        if not draw(st.booleans()):
            continue
        rec = {"type": "outlet", "outlet": outlet, "county": draw(st.sampled_from(COUNTIES))}
        if draw(st.booleans()):
            rec["name"] = draw(short_texts)
        records.append(rec)
        if draw(st.integers(0, 3)) == 0:  # the same outlet again, agreeing (name may be left out)
            again = dict(rec)
            if draw(st.booleans()):
                again.pop("name", None)
            records.append(again)
    return Observations(tuple(draw(st.permutations(records))), expect)


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    floor: str | None = None,
    caps: str = "some",
    invalid: bool = True,
    max_records: int = 16,
    bundled: bool = True,
) -> tuple[GenPack, Observations]:
    """A generated pack (now and then the bundled Cangzhou pack, when ``bundled``) and records for it."""
    generated = packs(floor=floor, caps=caps)
    gp = cangzhou() if bundled and draw(st.integers(0, 4)) == 4 else draw(generated)
    return gp, draw(observations(gp, invalid=invalid, max_records=max_records))


# ---- pack parts, for the converter round trip (any values the model's types allow) --------------

_any_text = st.text(max_size=10)
_scalars = st.one_of(st.text(max_size=5), st.integers(-5, 100), st.booleans())
_condition_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(
        st.sampled_from(("eq", "in", "ne", "gt", "exists")),
        st.one_of(_scalars, st.lists(_scalars, max_size=2)),
        max_size=2,
    ),
)
any_quantities = st.builds(Quantity, st.integers(-50, 50), st.sampled_from(PROVENANCES), st.none() | _any_text)
any_floors = st.builds(
    Floor,
    st.sampled_from(("none", "minimum")),
    st.sampled_from(PROVENANCES),
    st.none() | st.integers(-20, 20),
    st.none() | _any_text,
)
any_sections = st.builds(
    Section,
    st.integers(-5, 50),
    st.booleans(),
    st.none() | _any_text,
    st.none() | any_quantities,
    st.none() | _any_text,
)
any_articles = st.builds(
    Article,
    st.integers(0, 200),
    st.sampled_from(("complete", "partial", "missing")),
    st.none() | st.integers(0, 20),
    st.none() | _any_text,
    st.dictionaries(_any_text, _any_text, max_size=3),
    st.none() | _any_text,
)
any_deducts = st.builds(
    Deduct,
    st.sampled_from(KINDS),
    st.sampled_from(PROVENANCES),
    st.none() | st.integers(-3, 20),
    st.none() | st.integers(-3, 20),
    st.none() | st.integers(-3, 20),
    st.none() | _any_text,
)
any_rules = st.builds(
    Rule,
    id=_any_text,
    section=st.integers(0, 20),
    when=st.dictionaries(
        st.sampled_from(("type", "article", "section", "tag", "verified", "points")), _condition_values, max_size=4
    ),
    reason=_any_text,
    outcome=st.sampled_from(("deduct", "pending", "dismissed")),
    article=st.none() | st.integers(0, 60),
    title=st.none() | _any_text,
    deduct=st.none() | any_deducts,
    supersedes=st.lists(_any_text, max_size=3),
    cap=st.none() | any_quantities,
    note=st.none() | _any_text,
)
any_pack_metas = st.builds(
    PackMeta,
    name=_any_text,
    title=_any_text,
    version=_any_text,
    floor=any_floors,
    total=st.none() | any_quantities,
    language=_any_text,
    source=st.none() | _any_text,
    description=st.none() | _any_text,
)


# ---- the bundled pack, with the decisions its rules.toml documents --------------------------------


@functools.cache
def cangzhou() -> GenPack:
    """The Cangzhou pack as a :class:`GenPack`: its designed decisions written out by hand."""
    pack = load_pack("cangzhou")
    by_section = {3: "cz-3-item", 4: "cz-4-item", 5: "cz-5-item", 6: "cz-6-item", 8: "cz-8-person"}
    special = {
        (26, "harsh_tone"): "cz-5-tone",
        (26, "forbidden_phrase"): "cz-5-tone",
        (41, "drunk_on_duty"): "cz-8-drunk",
    }
    findings: dict[tuple[int, str | None], str] = {}
    for a in pack.articles:
        if a.status != "missing" and a.section in by_section:
            for tag in (None, *a.tags):
                findings[(a.number, tag)] = special.get((a.number, tag), by_section[a.section])
    complaints: dict[tuple[bool | None, bool], str] = {}
    for t in (True, False):
        complaints[(None, t)] = "cz-5-complaint-pending"
        complaints[(False, t)] = "cz-5-complaint-dismissed"
    complaints[(True, False)] = "cz-5-complaint"
    complaints[(True, True)] = "cz-5-complaint-transfer"
    return GenPack(pack, findings, complaints)
