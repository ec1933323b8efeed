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
    # A deduction's parts depend only on its points, its yuan and how many share it: the i-th
    # employee by id gets the i-th part (split_equally orders ids and breaks ties by that order).
    # Each such shape is split, and its parts written as text, once.
    parted: dict[tuple[int, str | None, int], tuple[tuple[int | Decimal, Decimal | None, int | str, str | None], ...]]
    parted = {}
    full = share == "full"
    parts: defaultdict[tuple[str, str], list[EmployeeShare]] = defaultdict(list)
    points: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    money: dict[tuple[str, str], Decimal] = {}
    outlets: defaultdict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for d in named:
        among = len(d.employees)
        names = list(dict.fromkeys(d.employees))
        shape = (d.points, d.amount, len(names))
        cut = parted.get(shape)
        if cut is None:
            cut = parted[shape] = _parts(d.points, d.amount, len(names), share)
        if not full and len(names) > 1:
            names.sort()
        for e, (p, a, p_text, a_text) in zip(names, cut, strict=True):
            key = (e, d.period)
            parts[key].append(
                EmployeeShare(
                    outlet=d.outlet,
                    rule=d.rule,
                    article=d.article,
                    observations=d.observations,
                    date=d.date,
                    points=p_text,
                    amount=a_text,
                    among=among,
                )
            )
            points[key] += p
            if a is not None:
                money[key] = (money.get(key) or Decimal(0)) + a
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
    for key in sorted(parts.keys() | fined.keys()):
        employee, period = key
        mine = parts.get(key, [])
        if len(mine) > 1:
            mine.sort(key=lambda s: (s.date, s.observations, s.outlet, s.rule))
        their_fines = fined.get(key, [])
        if len(their_fines) > 1:
            their_fines.sort(key=lambda f: (f.date, f.rule, f.occurrence, f.observations))
        where = outlets[key]
        total = money.get(key)
        out.append(
            EmployeeAccount(
                employee=employee,
                period=period,
                outlets=tuple(sorted(where)) if len(where) > 1 else tuple(where),
                points=_points(points[key], share),
                amount=None if total is None else str(total.quantize(CENT)),
                fined=_yuan(sum((Decimal(f.amount) for f in their_fines), Decimal(0))) if their_fines else None,
                deductions=tuple(mine),
                fines=tuple(their_fines),
            )
        )
    return tuple(out)


def _parts(
    points: int, amount: str | None, among: int, share: str
) -> tuple[tuple[int | Decimal, Decimal | None, int | str, str | None], ...]:
    """The parts of a deduction of ``points`` and ``amount`` shared by ``among`` distinct employees,
    in the order of their ids (what :func:`shares` gives them): (points, yuan, as text, as text)."""
    ids = [f"{i:09d}" for i in range(among)]  # any ids in order will do: the parts go by position
    cut = shares(Named("", "", "", None, (), "", points, amount, tuple(ids)), share)
    return tuple((p, a, _points(p, share), _yuan(a)) for p, a in (cut[i] for i in ids))


def _points(value: int | Decimal, share: str) -> int | str:
    if share == "full":
        return int(value)
    return str(Decimal(value).quantize(CENT))


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))
