"""Corrections (更正): a record that carries ``replaces: "<id>"`` takes the place of another.

Pure: given the corrections of one run (accepted records naming the id they replace), the ids
the input used and the rejected lines, decide which records are replaced (chains followed), and
which corrections are themselves rejected — an id no line used (``unknown_replaced``), a cycle
(``replacement_cycle``), a second record replacing one id (``duplicate_replacement``: the lowest
id wins, so the result does not depend on where the lines sit). :mod:`._ingest` applies the
decision: the replaced records leave every index and are listed in the result's ``replaced``.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Mapping

import attrs

from ._codes import RejectionCode as C


@attrs.frozen
class Correction:
    """A record that replaces another: its id, the id it names, and where it is."""

    id: str
    replaces: str
    input: int
    line: int


@attrs.frozen
class Refused:
    """A correction rejected: its location, id, code and message."""

    correction: Correction
    code: str
    message: str


@attrs.frozen
class Replaced:
    """A replaced id: the correction that replaced it, and the record standing at the chain's end."""

    id: str
    by: Correction
    current: str


@attrs.frozen
class Decision:
    refused: tuple[Refused, ...]
    replaced: tuple[Replaced, ...]


def resolve(
    accepted: Collection[Correction],
    seen: Collection[str],
    rejected_replaces: Mapping[str, str],
) -> Decision:
    """Which ids are replaced, and which corrections are refused.

    ``accepted``: corrections whose records were accepted; ``seen``: every id a line used;
    ``rejected_replaces``: for rejected lines, their id → the id their ``replaces`` names (a
    rejected line replaces nothing, but when it is itself replaced the chain goes on through it).
    """
    refused: list[Refused] = []
    edges: dict[str, Correction] = {}
    for c in sorted(accepted, key=lambda c: c.id):
        if c.replaces not in seen:
            refused.append(Refused(c, C.UNKNOWN_REPLACED, f"所更正的记录 {c.replaces!r} 不在输入之中"))
        else:
            edges[c.id] = c
    # cycles: every record replaces at most one, so follow each path until it ends or loops
    on_cycle: set[str] = set()
    for start in sorted(edges):
        path: list[str] = []
        node: str | None = start
        where: dict[str, int] = {}
        while node is not None and node in edges and node not in where and node not in on_cycle:
            where[node] = len(path)
            path.append(node)
            node = edges[node].replaces
        if node is not None and node in where:
            on_cycle.update(path[where[node] :])
    for rid in sorted(on_cycle):
        c = edges.pop(rid)
        refused.append(Refused(c, C.REPLACEMENT_CYCLE, f"更正关系构成循环(经过 {c.id!r} 与 {c.replaces!r})"))
    by_target: defaultdict[str, list[Correction]] = defaultdict(list)
    for c in edges.values():
        by_target[c.replaces].append(c)
    winner: dict[str, Correction] = {}
    for target, cs in by_target.items():
        cs.sort(key=lambda c: c.id)
        winner[target] = cs[0]
        for c in cs[1:]:
            refused.append(Refused(c, C.DUPLICATE_REPLACEMENT, f"记录 {target!r} 已由编号较小的 {cs[0].id!r} 更正"))
    replaced_by = dict(winner)
    up: dict[str, str] = {}
    _pass_on(replaced_by, rejected_replaces, seen, up)
    out = [Replaced(id=rid, by=c, current=_end(c.id, replaced_by, up)) for rid, c in sorted(replaced_by.items())]
    return Decision(refused=tuple(refused), replaced=tuple(out))


def _pass_on(
    replaced_by: dict[str, Correction], rejected_replaces: Mapping[str, str], seen: Collection[str], up: dict[str, str]
) -> None:
    """A rejected line that is itself replaced passes the chain on to the id it named — unless
    that id is the record standing at the chain's end (``F`` replaces the rejected ``X`` which
    names ``F``): passing it on would have ``F`` replace itself and vanish with the line it
    corrects; the rejected line stays replaced, ``F`` stands.

    The rule is a fixed point of passes over the rejected lines in id order (a line passes the
    chain on when its id is replaced and the id it names is not yet); a line is looked at once,
    in the pass and at the place where it first could: O(n log n), where passes over every line
    were O(n²) on a long chain of rejected lines (10⁴ lines took seconds, 10⁵ minutes)."""
    order = {rid: place for place, rid in enumerate(sorted(rejected_replaces))}
    due: list[tuple[int, int, str]] = [(0, order[rid], rid) for rid in replaced_by if rid in order]
    heapq.heapify(due)
    while due:
        turn, place, rid = heapq.heappop(due)
        target = rejected_replaces[rid]
        if target not in seen or target in replaced_by or target == rid:
            continue
        if _end(replaced_by[rid].id, replaced_by, up) == target:
            continue
        replaced_by[target] = replaced_by[rid]
        later = order.get(target)
        if later is not None:  # looked at later in this pass, or in the next one
            heapq.heappush(due, (turn if later > place else turn + 1, later, target))


def _end(rid: str, replaced_by: Mapping[str, Correction], up: dict[str, str]) -> str:
    """The record standing at the end of ``rid``'s chain. ``up`` remembers, for ids walked, an
    id further along (chains only grow at their ends, so it stays true): linear over all walks."""
    path: list[str] = []
    current = rid
    while len(path) <= len(replaced_by):
        nxt = up.get(current)
        if nxt is None:
            c = replaced_by.get(current)
            if c is None:
                break
            nxt = c.id
        path.append(current)
        current = nxt
    for step in path:
        up[step] = current
    return current
