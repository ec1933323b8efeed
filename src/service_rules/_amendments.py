"""Dated amendments: which text of a pack is in force on a day.

A pack may carry amendments (``amendments.toml``), each a layer in force from its date. The
loader builds one whole text per amendment (:class:`AmendedText`); the compiler compiles each
once. :class:`Versions` answers the one question everything else asks: which version judges a
day. Observations are judged by the version in force on their date; period-level quantities
(allotments, floors, cadences, deadlines, streak lengths) by the version in force on the
period's last day. A pack reference may name a day (``cangzhou@2026-12-31``): the text in force
that day, as a pack of its own.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import re
from collections.abc import Sequence
from typing import Generic, TypeVar

import attrs

from ._errors import PackNotFoundError, Problem
from ._model import Amendment, AmendmentsFile, Pack
from ._periods import parse_period

T = TypeVar("T")

#: A pack reference's day: ``cangzhou@2026-12-31``, ``./tianjin@2027-01-01``.
_AT = re.compile(r"^(?P<ref>.+)@(?P<day>[^@/]*)$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: The contract's days (docs/contract.md): 1900-01-01 to 2099-12-31.
_FIRST, _LAST = _dt.date(1900, 1, 1), _dt.date(2099, 12, 31)


@attrs.frozen
class Versions(Generic[T]):
    """Versions of one pack in date order: ``items[0]`` the original text (in force from the
    beginning), ``items[i]`` the text in force from ``starts[i]`` (an ISO day) with amendment
    ``ids[i]``. Days are ISO strings, compared as strings."""

    starts: tuple[str, ...]
    ids: tuple[str | None, ...]
    items: tuple[T, ...]

    def index_at(self, day: str) -> int:
        """The index of the version in force on ``day`` (``YYYY-MM-DD``, or any string that
        sorts like one: ``2026-08-31`` stands for the end of August)."""
        return bisect.bisect_right(self.starts, day) - 1

    def at(self, day: str) -> T:
        return self.items[self.index_at(day)]

    def index_at_end(self, period: str) -> int:
        """The index of the version in force on the last day of ``period`` (``2026Q3``, ``2026-08``, …)."""
        return self.index_at(parse_period(period).last.isoformat())

    def at_end(self, period: str) -> T:
        return self.items[self.index_at_end(period)]

    def span(self, i: int) -> tuple[str, str | None]:
        """The first day of version ``i`` ("" for the original) and the first day after it (None: open)."""
        return self.starts[i], self.starts[i + 1] if i + 1 < len(self.starts) else None

    def __len__(self) -> int:
        return len(self.items)


def versions_of(pack: Pack) -> Versions[Pack]:
    """The pack's texts in date order: itself (the original), then each amended text."""
    return Versions(
        starts=("", *(a.amendment.effective for a in pack.amendments)),
        ids=(None, *(a.amendment.id for a in pack.amendments)),
        items=(pack, *(a.pack for a in pack.amendments)),
    )


def amendment_ids(ids: Sequence[str | None]) -> list[str]:
    """The amendment ids among version ids, in date order (the original text has none)."""
    return [i for i in ids if i is not None]


def split_reference(ref: str) -> tuple[str, str | None]:
    """``cangzhou@2026-12-31`` → (``cangzhou``, ``2026-12-31``); a reference without ``@day``
    → (ref, None). A day that is not a real date of the contract raises PackNotFoundError."""
    m = _AT.match(ref)
    if m is None:
        return ref, None
    day = m.group("day")
    named = "/" not in ref and not ref.startswith(".")
    if not named and not re.fullmatch(r"[0-9-]+", day):
        return ref, None  # a folder whose name holds an @
    if _day(day) is None:
        raise PackNotFoundError(
            f"规则包引用 {ref[:80]!r} 中 @ 之后应为施行日期 YYYY-MM-DD(1900 至 2099 年),如 cangzhou@2026-12-31"
        )
    return m.group("ref"), day


def _day(text: str) -> _dt.date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        day = _dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if _FIRST <= day <= _LAST else None


def text_in_force(pack: Pack, day: str) -> Pack:
    """The text of ``pack`` in force on ``day``, as a pack without amendments. Its digest
    names the pack and the day's version (two days under one version give one digest)."""
    if not pack.amendments:
        return pack
    i = versions_of(pack).index_at(day)
    if i:
        return pack.amendments[i - 1].pack
    return attrs.evolve(pack, digest=version_digest(pack.digest, None), amendments=[])


def day_note(pack: Pack, day: str) -> str:
    """Which text of ``pack`` (loaded with its amendments) is in force on ``day``, in words:
    ``本文为 2026-08-09 施行的文本:修订前的原文本`` or ``… :自 2026-08-10 起施行的修订 X``."""
    i = versions_of(pack).index_at(day) if pack.amendments else 0
    if i:
        a = pack.amendments[i - 1].amendment
        which = f"自 {a.effective} 起施行的修订 {a.id}({a.document})"
    elif pack.amendments:
        which = "修订前的原文本(修订 " + pack.amendments[0].amendment.id
        which += f" 自 {pack.amendments[0].amendment.effective} 起施行)"
    else:
        which = "本规则包未载修订"
    return f"本文为 {day} 施行的文本:{which}"


def version_digest(digest: str | None, amendment: str | None) -> str:
    """The digest of one version of an amended pack: the pack's digest and the version's amendment."""
    return "sha256:" + hashlib.sha256(f"{digest}@{amendment or ''}".encode()).hexdigest()


def check_amendments(found: AmendmentsFile, file: str) -> list[Problem]:
    """The amendments' own problems, located in ``amendments.toml``: ids, dates strictly
    increasing, folders relative, a note where the provenance is not literal."""
    problems: list[Problem] = []
    seen: set[str] = set()
    last: tuple[str, int] | None = None
    for i, a in enumerate(found.amendments):
        at = f"$.amendments[{i}]"
        if not _ID.match(a.id):
            problems.append(
                Problem("invalid_value", f"修订编号 {a.id!r} 须由字母、数字、-、_、. 组成", file=file, path=f"{at}.id")
            )
        elif a.id in seen:
            problems.append(Problem("duplicate_key", f"修订编号 {a.id!r} 重复", file=file, path=f"{at}.id"))
        seen.add(a.id)
        if _day(a.effective) is None:
            problems.append(
                Problem(
                    "invalid_value",
                    f"施行日期 {a.effective!r} 应为 1900 至 2099 年间实际存在的日期 YYYY-MM-DD",
                    file=file,
                    path=f"{at}.effective",
                )
            )
        else:
            if last is not None and a.effective <= last[0]:
                problems.append(
                    Problem(
                        "amendment_order",
                        f"修订 {a.id} 的施行日期 {a.effective} 不晚于前一修订(amendments[{last[1]}])的 {last[0]};"
                        "修订须按施行日期严格递增排列",
                        file=file,
                        path=f"{at}.effective",
                    )
                )
            last = (a.effective, i)
        if not a.document.strip():
            problems.append(
                Problem("missing_provenance", "document 须写明修订所依据的文件", file=file, path=f"{at}.document")
            )
        if a.provenance != "literal" and not (a.note or "").strip():
            problems.append(
                Problem(
                    "missing_note",
                    f"provenance = {a.provenance!r} 须有 note 说明依据",
                    file=file,
                    path=f"{at}.note",
                )
            )
        folder = a.folder.replace("\\", "/")
        if not folder or folder.startswith("/") or ".." in folder.split("/") or re.match(r"^[A-Za-z]:", folder):
            problems.append(
                Problem(
                    "invalid_value",
                    f"folder {a.folder!r} 须为本规则包内的相对路径(如 amendments/{a.id})",
                    file=file,
                    path=f"{at}.folder",
                )
            )
    return problems


def describe(amendment: Amendment) -> str:
    """One line for people: ``2026-08-16 起施行(修订 cz-2026-08,沧农信联〔2026〕18号)``."""
    return f"{amendment.effective} 起施行(修订 {amendment.id},{amendment.document})"
