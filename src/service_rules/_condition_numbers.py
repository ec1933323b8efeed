"""Numbers inside conditions carry provenance like every other number.

A ``when`` that compares with a number — a time limit (``measured = { lte = 300 }``), a
threshold (``persons = { gte = 3 }``) — states something the source may or may not say. Each
such number needs an entry in the rule's ``limits`` table, keyed by its path in ``when``
(``"measured.lte"``; ``"persons"`` for an equality), with the same value and a provenance
(``interpreted`` and ``assumed`` with a note). Article and section numbers are identifiers,
not quantities, and need none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from ._errors import Problem
from ._model import Pack, Quantity
from ._verbatim import _entries

#: Fields whose numbers name things rather than measure them.
IDENTIFIERS = frozenset({"article", "section"})


def _numbers(when: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """(path in ``when``, number) for every number a condition compares with."""

    def numbers(value: Any) -> list[int]:
        values = value if isinstance(value, list) else [value]
        return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]

    for field, spec in when.items():
        if field in IDENTIFIERS:
            continue
        if isinstance(spec, dict):
            for op, value in spec.items():
                for n in numbers(value):
                    yield f"{field}.{op}", n
        else:
            for n in numbers(spec):
                yield field, n


def check_limits(pack: Pack) -> list[Problem]:
    """Every number in a condition without its provenance, and every ``limits`` entry that
    matches no number; located as ``file:$.path``."""
    problems: list[Problem] = []
    for e in _entries(pack):
        holders: list[tuple[Any, str]] = []
        if hasattr(e.obj, "when") and hasattr(e.obj, "limits"):
            holders.append((e.obj, ""))
        for i, ex in enumerate(getattr(e.obj, "exclude", None) or []):
            holders.append((ex, f".exclude[{i}]"))
        for obj, sub in holders:
            where = f"$.{e.path}{sub}"
            limits: dict[str, Quantity] = obj.limits
            used: set[str] = set()
            for path, n in _numbers(obj.when):
                q = limits.get(path)
                if q is None:
                    problems.append(
                        Problem(
                            "limit_provenance_missing",
                            f"the number {n} in this condition needs its provenance: "
                            f'limits = {{ "{path}" = {{ value = {n}, provenance = …, note = … }} }}',
                            file=e.file,
                            path=f"{where}.when.{path}",
                        )
                    )
                    continue
                used.add(path)
                if q.value != n:
                    problems.append(
                        Problem(
                            "limit_mismatch",
                            f"the condition compares with {n}, its provenance is for {q.value}",
                            file=e.file,
                            path=f'{where}.limits."{path}".value',
                        )
                    )
            for path, q in limits.items():
                if path not in used:
                    problems.append(
                        Problem(
                            "limit_unused",
                            f"no number at {path} in this `when`: the limit is never compared with",
                            file=e.file,
                            path=f'{where}.limits."{path}"',
                        )
                    )
                if q.provenance != "literal" and not (q.note and q.note.strip()):
                    problems.append(
                        Problem(
                            "provenance_note_missing",
                            f"a number that is {q.provenance} needs a note saying "
                            f"{'how it was read' if q.provenance == 'interpreted' else 'why it was assumed'}",
                            file=e.file,
                            path=f'{where}.limits."{path}"',
                        )
                    )
    return problems


class _Stage(Protocol):
    pack: Pack
    errors: list[Problem]


def stage(b: _Stage) -> None:
    """The compiler stage: :func:`check_limits`' problems added to the build's errors."""
    b.errors.extend(check_limits(b.pack))
