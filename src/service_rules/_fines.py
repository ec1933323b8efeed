"""Fines per occurrence (money.toml): pure, from the run's facts.

Each deduction a fine's ``when`` selects is one occurrence for its subject: every employee it
names (or, naming none, its outlet unless the fine says ``without_employee = "none"``), or its
outlet. Occurrences of "the same thing" (the fine's ``same``: rule, article, section, tag, or a
combination) by one subject within one window (``_periods.window_key``) are counted in date
order (then by observation id); the nth costs the fine's nth amount, at most its cap, and takes
the actions that start at or before n. Pending and dismissed observations are no occurrence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from operator import attrgetter
from typing import Any

from ._compiler import CompiledPack
from ._model import FineAction, FineRule
from ._moneyrules import CompiledFine, yuan
from ._oversight import flag_rejections
from ._periods import window_key
from ._results import Action, Fine, Rejection
from ._store import Facts, Observation
from ._templates import render

_UNSET: Any = object()
_by_date_and_id = attrgetter("date", "id")


def _view(compiled: CompiledPack, obs: Observation) -> dict[str, Any]:
    """What a fine's ``when`` reads of a deduction."""
    rule = compiled.in_force(obs.date).rules[obs.rule]
    view: dict[str, Any] = {"type": rule.record_type, "rule": obs.rule, "section": rule.rule.section}
    if obs.article is not None:
        view["article"] = obs.article
    if obs.tag is not None:
        view["tag"] = obs.tag
    return view


def _cause(compiled: CompiledPack, obs: Observation) -> str:
    """The deduction's reason (with the points the rule asked for), without its closing 。."""
    label = obs.tag
    articles = compiled.in_force(obs.date).articles  # an amended pack: the text of the deduction's day
    if obs.tag is not None and obs.article is not None and obs.article in articles:
        label = articles[obs.article].tags.get(obs.tag, obs.tag)
    text = render(
        compiled.in_force(obs.date).rules[obs.rule].rule.reason,
        {"article": obs.article, "points": obs.points, "persons": obs.persons, "tag": label, "raw_points": obs.points},
    )
    return text.rstrip("。")


def _key(fine: CompiledFine, compiled: CompiledPack, obs: Observation) -> tuple[tuple[str, Any], ...]:
    values = {
        "rule": obs.rule,
        "article": obs.article,
        "section": compiled.in_force(obs.date).rules[obs.rule].rule.section,
        "tag": obs.tag,
    }
    return tuple((name, values[name]) for name in fine.rule.same)


def _key_text(key: tuple[tuple[str, Any], ...]) -> str:
    return ",".join(f"{name}={'null' if value is None else value}" for name, value in key)


def fines_and_actions(compiled: CompiledPack, facts: Facts) -> tuple[list[Fine], list[Action]]:
    """Every fine and every action a fine takes, over all periods (unfiltered), in order."""
    money = compiled.money
    if not money.fines:
        return [], []
    # What a fine's `when` reads of a deduction (_view) depends only on its shape: the text in
    # force on its day, its rule, article and tag. Each shape's view, and each fine's verdict on
    # it, is worked out once (a run has a few dozen shapes and a million deductions).
    texts: dict[str, CompiledPack] = {}
    views: dict[tuple[int, str, int | None, str | None], dict[str, Any] | None] = {}
    observations: list[tuple[Observation, tuple[int, str, int | None, str | None]]] = []
    for card in facts.observations.values():
        for obs in card:
            text = texts.get(obs.date)
            if text is None:
                text = texts[obs.date] = compiled.in_force(obs.date)
            shape = (id(text), obs.rule, obs.article, obs.tag)
            if shape not in views:
                views[shape] = _view(compiled, obs) if text.rules[obs.rule].rule.outcome == "deduct" else None
            if views[shape] is not None:
                observations.append((obs, shape))
    found: list[Fine] = []
    actions: list[Action] = []
    # A deduction's cause depends only on its shape, points and persons; the same thing (``same``)
    # only on its shape; its window only on its date; the nth occurrence's amount and actions
    # only on n: each is worked out once.
    causes: dict[tuple[tuple[int, str, int | None, str | None], int, int | None], str] = {}
    for fine in money.fines:
        f = fine.rule
        groups: defaultdict[tuple[Any, ...], list[Observation]] = defaultdict(list)
        verdicts: dict[tuple[int, str, int | None, str | None], bool] = {}
        keys: dict[tuple[int, str, int | None, str | None], tuple[tuple[str, Any], ...]] = {}
        windows: dict[str, str | None] = {}
        key_texts: dict[tuple[tuple[str, Any], ...], str] = {}
        by_n: list[tuple[str, tuple[str, ...], str]] = []  # the nth occurrence's yuan, codes, labels
        taken_n: list[list[Any]] = []
        amounts = fine.amounts()  # never ends
        for obs, shape in observations:
            counts = verdicts.get(shape)
            if counts is None:
                view = views[shape]
                assert view is not None
                counts = verdicts[shape] = fine.counts(view)
            if not counts:
                continue
            subjects = _subjects(f.subject, f.without_employee, obs)
            if not subjects:
                continue
            same = keys.get(shape)
            if same is None:
                same = keys[shape] = _key(fine, compiled, obs)
            window = windows.get(obs.date, _UNSET)
            if window is _UNSET:
                window = windows[obs.date] = window_key(obs.date, f.window)
            for subject, subject_type in subjects:
                groups[(subject_type, subject, same, window)].append(obs)
        for (subject_type, subject, key, window), items in groups.items():
            if len(items) > 1:
                items.sort(key=_by_date_and_id)
            while len(by_n) < len(items):
                n = len(by_n) + 1
                taken = [a for a in f.actions if a.start <= n]
                by_n.append((yuan(next(amounts)), tuple(a.action for a in taken), "、".join(a.label for a in taken)))
                taken_n.append(taken)
            key_text = key_texts.get(key)
            if key_text is None:
                key_text = key_texts[key] = _key_text(key)
            for n, obs in enumerate(items, start=1):
                amount, codes, labels = by_n[n - 1]
                shape = (id(texts[obs.date]), obs.rule, obs.article, obs.tag)
                cause = causes.get((shape, obs.points, obs.persons))
                if cause is None:
                    cause = causes[(shape, obs.points, obs.persons)] = _cause(compiled, obs)
                reason = render(
                    f.reason,
                    {
                        "subject": subject,
                        "n": n,
                        "amount": amount,
                        "cause": cause,
                        "article": obs.article,
                        "window": window,
                        "actions": labels,
                    },
                )
                found.append(
                    Fine(
                        subject=subject,
                        subject_type=subject_type,
                        rule=f.id,
                        occurrence=n,
                        amount=amount,
                        observations=(obs.id,),
                        reason=reason,
                        period=obs.period,
                        date=obs.date,
                        outlet=obs.outlet,
                        article=obs.article,
                        deduction_rule=obs.rule,
                        key=key_text,
                        window=window,
                        actions=codes,
                    )
                )
                taken = taken_n[n - 1]
                if taken:
                    actions.extend(fine_action(f, a, obs, subject, subject_type, reason) for a in taken)
    found.sort(key=fine_order)
    return found, actions


def fine_action(f: FineRule, a: FineAction, obs: Observation, subject: str, subject_type: str, reason: str) -> Action:
    """The action ``a`` (one of fine rule ``f``'s actions) that an occurrence of the fine (its
    observation ``obs``, its subject, its reason) takes."""
    return Action(
        subject=subject,
        subject_type=subject_type,
        action=a.action,
        article=f.article if f.article is not None else obs.article,
        period=obs.period,
        date=obs.date,
        observations=(obs.id,),
        circulate=a.circulate,
        reason=reason,
        outlets=(obs.outlet,),
        rule=f.id,
    )


def fine_order(f: Fine) -> tuple[Any, ...]:
    """Fines by period, date, subject, fine, occurrence."""
    return (f.period, f.date, f.subject_type, f.subject, f.rule, f.key, f.occurrence, f.observations)


def _subjects(subject: str, without_employee: str, obs: Observation) -> list[tuple[str, str]]:
    if subject == "employee":
        if obs.employees:
            return [(e, "employee") for e in dict.fromkeys(obs.employees)]
        return [(obs.outlet, "outlet")] if without_employee == "outlet" else []
    return [(obs.outlet, "outlet")]


def of_period(fines: Iterable[Fine], period: str | None) -> tuple[Fine, ...]:
    """The fines of ``period`` (all when None), like ``actions[]``."""
    return tuple(f for f in fines if period is None or f.period == period)


def fined_per_card(fines: Iterable[Fine]) -> Mapping[tuple[str, str], Decimal]:
    """(outlet, period) → yuan of the fines for that card's observations."""
    totals: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for f in fines:
        totals[(f.outlet, f.period)] += Decimal(f.amount)
    return totals


def with_fine_actions(
    actions: tuple[Action, ...], taken: Iterable[Action], period: str | None, rejected: tuple[Rejection, ...]
) -> tuple[Action, ...]:
    """The oversight ``actions`` (already of ``period``, flagged and in order) with the actions
    fines take, of ``period`` and flagged alike, in the same order."""
    mine = [a for a in taken if period is None or a.period == period]
    if not mine:
        return actions
    if rejected:
        mine = flag_rejections(mine, rejected)
    return tuple(sorted([*actions, *mine], key=lambda a: (a.period, a.date, a.subject, a.action, a.observations)))
