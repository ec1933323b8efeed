"""The employee ledger as it was written first (one deduction at a time, no shortcuts): the
reference the fast ledger (``_employees.ledger``) must equal, field for field."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from service_rules._employees import Named
from service_rules._money import split_equally
from service_rules._results import Deduction, EmployeeAccount, EmployeeFine, EmployeeShare, Fine

CENT = Decimal("0.01")


def naive_shares(d: Named | Deduction, share: str) -> dict[str, tuple[int | Decimal, Decimal | None]]:
    """Each named employee's (points, yuan) of one deduction: the whole (``full``) or an equal
    part to the cent (``split``; largest remainder, ties by employee id)."""
    names = list(dict.fromkeys(d.employees or ()))
    money = Decimal(d.amount) if d.amount is not None else None
    if share == "full" or len(names) == 1:
        return {e: (d.points if share == "full" else Decimal(d.points).quantize(CENT), money) for e in names}
    points = split_equally(d.points, names)
    amounts = split_equally(money, names) if money is not None else None
    return {e: (points[e], amounts[e] if amounts is not None else None) for e in names}


def naive_ledger(named: Iterable[Named], fines: Iterable[Fine], share: str) -> tuple[EmployeeAccount, ...]:
    """The ledger of the deductions ``named`` and the employees' ``fines``: one entry per
    employee and period, by employee then period."""
    parts: defaultdict[tuple[str, str], list[EmployeeShare]] = defaultdict(list)
    points: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    money: defaultdict[tuple[str, str], Decimal | None] = defaultdict(lambda: None)
    outlets: defaultdict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for d in named:
        among = len(d.employees)
        for e, (p, a) in naive_shares(d, share).items():
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
