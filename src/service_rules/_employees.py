"""The per-employee ledger: the one place a deduction naming employees becomes each one's part.

A deduction naming several employees is borne in ``full`` by each (its points and money, each
time) or ``split`` among them: equal parts to 0.01 by the largest-remainder method (``_money``),
so the parts add back exactly to the whole; split points are then decimal strings. Fines whose
subject is an employee are added as they are (a fine is one person's, never shared). An employee
is the id string as given. The ledger keeps one entry per employee and period, with every
deduction and fine behind it; the office documents (个人扣分, 个人合计) read the same shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ._money import split_equally
from ._results import Deduction, EmployeeAccount, EmployeeFine, EmployeeShare, Fine, Scorecard

CENT = Decimal("0.01")


@attrs.frozen
class Named:
    """A deduction that names employees, with the card it is on (what the ledger needs of it)."""

    outlet: str
    period: str
    rule: str
    article: int | None
    observations: tuple[str, ...]
    date: str
    points: int
    amount: str | None
    employees: tuple[str, ...]


def named_in_cards(cards: Iterable[Scorecard]) -> list[Named]:
    """Every deduction of typed scorecards that names employees."""
    return [
        _named(c.outlet, c.period, d.rule, d.article, d.observations, d.date, d.points, d.amount, d.employees)
        for c in cards
        for d in c.deductions
        if d.employees
    ]


def named_in_json(card: Mapping[str, Any]) -> list[Named]:
    """Every deduction of one scorecard's JSON data (the streamed form) that names employees."""
    return [
        _named(
            card["outlet"],
            card["period"],
            d["rule"],
            d["article"],
            tuple(d["observations"]),
            d["date"],
            d["points"],
            d["amount"],
            d["employees"],
        )
        for d in card["deductions"]
        if d["employees"]
    ]


def _named(
    outlet: str,
    period: str,
    rule: str,
    article: int | None,
    observations: tuple[str, ...],
    date: str,
    points: int,
    amount: str | None,
    employees: tuple[str, ...] | None,
) -> Named:
    return Named(
        outlet, period, rule, article, observations, date, points, amount, tuple(dict.fromkeys(employees or ()))
    )


def shares(d: Named | Deduction, share: str) -> dict[str, tuple[int | Decimal, Decimal | None]]:
    """Each named employee's (points, yuan) of one deduction: the whole (``full``) or an equal
    part to the cent (``split``; largest remainder, ties by employee id)."""
    names = list(dict.fromkeys(d.employees or ()))
    money = Decimal(d.amount) if d.amount is not None else None
    if share == "full" or len(names) == 1:
        return {e: (d.points if share == "full" else Decimal(d.points).quantize(CENT), money) for e in names}
    points = split_equally(d.points, names)
    amounts = split_equally(money, names) if money is not None else None
    return {e: (points[e], amounts[e] if amounts is not None else None) for e in names}


def ledger(named: Iterable[Named], fines: Iterable[Fine], share: str) -> tuple[EmployeeAccount, ...]:
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
