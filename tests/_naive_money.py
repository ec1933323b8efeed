"""The employee ledger and the fines as they were written first (one deduction at a time, no
shortcuts): the references the fast ``_employees.ledger`` and ``_fines.fines_and_actions`` must
equal, field for field. What did not change (a deduction's shares, a fine's view, cause and key)
is the library's own, imported, not copied."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from service_rules._compiler import CompiledPack
from service_rules._employees import Named, shares
from service_rules._fines import _cause, _key, _key_text, _subjects, _view, fine_action, fine_order
from service_rules._moneyrules import yuan
from service_rules._periods import window_key
from service_rules._results import Action, EmployeeAccount, EmployeeFine, EmployeeShare, Fine
from service_rules._store import Facts, Observation
from service_rules._templates import render

CENT = Decimal("0.01")


def naive_ledger(named: Iterable[Named], fines: Iterable[Fine], share: str) -> tuple[EmployeeAccount, ...]:
    """The ledger of the deductions ``named`` and the employees' ``fines``: one entry per
    employee and period, by employee then period."""
    parts: defaultdict[tuple[str, str], list[EmployeeShare]] = defaultdict(list)
    points: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    money: defaultdict[tuple[str, str], Decimal | None] = defaultdict(lambda: None)
    outlets: defaultdict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for d in named:
        among = len(d.employees)
        for e, (p, a) in shares(d, share).items():
            key = (e, d.period)
            parts[key].append(
                EmployeeShare(
                    outlet=d.outlet,
                    rule=d.rule,
                    article=d.article,
                    observations=d.observations,
                    date=d.date,
                    points=_points(p, share),
                    amount=_yuan(a),
                    among=among,
                )
            )
            points[key] += p
            if a is not None:
                money[key] = (money[key] or Decimal(0)) + a
            outlets[key][d.outlet] = None
    fined: defaultdict[tuple[str, str], list[EmployeeFine]] = defaultdict(list)
    for f in fines:
        if f.subject_type != "employee":
            continue
        key = (f.subject, f.period)
        fined[key].append(
            EmployeeFine(
                rule=f.rule, occurrence=f.occurrence, amount=f.amount, observations=f.observations, date=f.date
            )
        )
        outlets[key][f.outlet] = None
    out = []
    for key in sorted(set(parts) | set(fined)):
        employee, period = key
        mine = sorted(parts.get(key, ()), key=lambda s: (s.date, s.observations, s.outlet, s.rule))
        their_fines = sorted(fined.get(key, ()), key=lambda f: (f.date, f.rule, f.occurrence, f.observations))
        out.append(
            EmployeeAccount(
                employee=employee,
                period=period,
                outlets=tuple(sorted(outlets[key])),
                points=_points(points[key], share),
                amount=_yuan(money[key]),
                fined=_yuan(sum((Decimal(f.amount) for f in their_fines), Decimal(0))) if their_fines else None,
                deductions=tuple(mine),
                fines=tuple(their_fines),
            )
        )
    return tuple(out)


def _points(value: int | Decimal, share: str) -> int | str:
    if share == "full":
        return int(value)
    return str(Decimal(value).quantize(CENT))


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


@attrs.frozen
class _Occurrence:
    subject: str
    subject_type: str
    obs: Observation


def naive_fines_and_actions(compiled: CompiledPack, facts: Facts) -> tuple[list[Fine], list[Action]]:
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
    for fine in money.fines:
        f = fine.rule
        groups: defaultdict[tuple[Any, ...], list[_Occurrence]] = defaultdict(list)
        verdicts: dict[tuple[int, str, int | None, str | None], bool] = {}
        for obs, shape in observations:
            counts = verdicts.get(shape)
            if counts is None:
                view = views[shape]
                assert view is not None
                counts = verdicts[shape] = fine.counts(view)
            if not counts:
                continue
            for subject, subject_type in _subjects(f.subject, f.without_employee, obs):
                key = (subject_type, subject, _key(fine, compiled, obs), window_key(obs.date, f.window))
                groups[key].append(_Occurrence(subject, subject_type, obs))
        for (subject_type, subject, key, window), items in groups.items():
            items.sort(key=lambda o: (o.obs.date, o.obs.id))
            for n, (item, amount) in enumerate(
                zip(items, fine.amounts(), strict=False), start=1
            ):  # amounts() never ends
                obs = item.obs
                taken = [a for a in f.actions if a.start <= n]
                labels = "、".join(a.label for a in taken)
                reason = render(
                    f.reason,
                    {
                        "subject": subject,
                        "n": n,
                        "amount": yuan(amount),
                        "cause": _cause(compiled, obs),
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
                        amount=yuan(amount),
                        observations=(obs.id,),
                        reason=reason,
                        period=obs.period,
                        date=obs.date,
                        outlet=obs.outlet,
                        article=obs.article,
                        deduction_rule=obs.rule,
                        key=_key_text(key),
                        window=window,
                        actions=tuple(a.action for a in taken),
                    )
                )
                actions.extend(fine_action(f, a, obs, subject, subject_type, reason) for a in taken)
    found.sort(key=fine_order)
    return found, actions
