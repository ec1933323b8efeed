"""Splitting a whole into parts to the cent (0.01) by the largest-remainder method: the parts add
back exactly to the whole. Decimal only, never float. Used for a deduction shared by several
employees (points or yuan).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

CENT = Decimal("0.01")


def to_cents(amount: Decimal | int) -> int:
    """An amount with at most two decimals as whole cents; anything finer is an error."""
    value = Decimal(amount)
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def split(total: Decimal | int, weights: Mapping[K, int]) -> dict[K, Decimal]:
    """``total`` shared in proportion to ``weights`` (whole numbers ≥ 0, not all 0), to the cent.

    Each part is its exact share rounded down to the cent; the cents left over go one each to the
    largest remainders, ties by key order — so the result does not depend on the order of
    ``weights``. The parts add back exactly to ``total``; each lies within 0.01 of its exact share.
    """
    if not weights:
        raise ValueError("nothing to split among")
    if any(type(w) is not int or w < 0 for w in weights.values()):
        raise ValueError("weights must be whole numbers of at least 0")
    whole = sum(weights.values())
    if whole == 0:
        raise ValueError("the weights add up to 0")
    cents = to_cents(total)
    sign = -1 if cents < 0 else 1
    cents = abs(cents)
    keys = sorted(weights, key=_order)
    floors = {k: cents * weights[k] // whole for k in keys}
    remainders = {k: cents * weights[k] % whole for k in keys}
    left = cents - sum(floors.values())
    for k in sorted(keys, key=lambda k: -remainders[k])[:left]:  # stable: ties stay in key order
        floors[k] += 1
    return {k: from_cents(sign * floors[k]) for k in keys}


def split_equally(total: Decimal | int, keys: list[K] | tuple[K, ...]) -> dict[K, Decimal]:
    """``total`` shared equally among distinct ``keys``, to the cent (parts differ by at most 0.01)."""
    if len(set(keys)) != len(keys):
        raise ValueError("keys must be distinct")
    return split(total, dict.fromkeys(keys, 1))


def _order(key: object) -> tuple[str, str]:
    return (type(key).__name__, str(key))
