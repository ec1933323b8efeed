"""What the outlet registry (the ``outlet`` records) says about the other records of a run.

Where outlet records are given, a fact on an outlet they do not register (a mistyped code such
as ``SN-06``), a lapse or report of a county no outlet is registered in, or two registered
county names of which one extends the other (``献县联社`` and ``献县``) is most likely a clerk's
typo. Each is a warning (:class:`ResultWarning`); under ``strict_registry`` the first two are
rejections (``unregistered_outlet``, ``unknown_county``). Without outlet records nothing is
checked: a run that registers nothing has no registry to contradict.

:class:`RegistryCheck` notes what it needs while the input is read (the first line of each
outlet, and every line only under ``strict_registry``) and decides once the registry is
complete, because registrations may come after the facts they register.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ._codes import RejectionCode as C
from ._results import ResultWarning
from ._store import Registration

#: Record types whose ``outlet`` the registry should know.
OUTLET_FACTS = frozenset({"inspection", "finding", "complaint"})
#: Record types whose ``county`` the registry should know.
COUNTY_FACTS = frozenset({"lapse", "report"})
CHECKED = OUTLET_FACTS | COUNTY_FACTS

Handler = Callable[[dict[str, Any], int, int], None]

#: Warning codes (the JSON contract; docs/contract.md).
UNREGISTERED_OUTLET = "unregistered_outlet"
UNKNOWN_COUNTY = "unknown_county"
SIMILAR_COUNTY = "similar_county"


@attrs.frozen
class StrictRejection:
    """An accepted line the registry contradicts, to be rejected under ``strict_registry``."""

    input: int
    line: int
    id: str | None
    code: str
    message: str
    record: dict[str, Any]


class RegistryCheck:
    """Notes lines while the input is read; :meth:`decide` judges them against the registry."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        #: outlet → (input, line) of its first accepted fact
        self.first: dict[str, tuple[int, int]] = {}
        #: outlet → every accepted fact (input, line, id, date): kept only under strict
        self.lines: defaultdict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
        #: (input, line, id, county, type) of every accepted lapse and report
        self.county_lines: list[tuple[int, int, str, str, str]] = []

    def watched_types(self) -> frozenset[str]:
        """The record types whose accepted lines :meth:`watch` notes: all checked ones under
        strict, else all but findings (the hot path notes an outlet's first finding itself)."""
        return CHECKED if self.strict else CHECKED - {"finding"}

    def watch(self, rtype: str, handler: Handler) -> Handler:
        """``handler`` that also notes each line it accepts (one that raises is rejected)."""
        note = self.note

        def noted(obj: dict[str, Any], index: int, line: int) -> None:
            handler(obj, index, line)
            note(rtype, obj, index, line)

        return noted

    def note(self, rtype: str, obj: dict[str, Any], index: int, line: int) -> None:
        if rtype in OUTLET_FACTS:
            outlet = obj["outlet"]
            if outlet not in self.first:
                self.first[outlet] = (index, line)
            if self.strict:
                self.lines[outlet].append((index, line, obj["id"], obj["date"]))
        else:
            self.county_lines.append((index, line, obj["id"], obj["county"], rtype))

    def decide(
        self,
        registry: Mapping[str, Registration],
        registered_at: Mapping[str, tuple[int, int]],
        present_outlets: set[str],
        files: Sequence[str],
        rejected_lines: set[tuple[int, int]],
    ) -> tuple[list[ResultWarning], list[StrictRejection]]:
        """Warnings (and, under strict, rejections) for the facts the registry contradicts.

        ``present_outlets`` are the outlets with an accepted fact; ``rejected_lines`` the
        (input, line) pairs already rejected, which are not judged again."""
        warnings: list[ResultWarning] = []
        strict: list[StrictRejection] = []
        if not registry:
            return warnings, strict
        counties: defaultdict[str, list[str]] = defaultdict(list)
        for outlet, entry in registry.items():
            counties[entry.county].append(outlet)
        for outlet in sorted(present_outlets - set(registry)):
            if self.strict:
                for index, line, rid, date in self.lines.get(outlet, ()):
                    if (index, line) in rejected_lines:
                        continue
                    strict.append(
                        StrictRejection(
                            input=index,
                            line=line,
                            id=rid,
                            code=C.UNREGISTERED_OUTLET,
                            message=f"网点“{outlet}”未在网点名录(outlet 记录)中登记(--strict-registry)",
                            record={"outlet": outlet, "date": date},
                        )
                    )
                continue
            where = self.first.get(outlet)
            warnings.append(
                ResultWarning(
                    code=UNREGISTERED_OUTLET,
                    message=(
                        f"网点“{outlet}”未在网点名录(outlet 记录)中登记,其记录照常评分;"
                        "若为网点代码笔误请更正(--strict-registry 则拒绝此类记录)"
                    ),
                    file=files[where[0]] if where is not None else None,
                    line=where[1] if where is not None else None,
                    outlet=outlet,
                )
            )
        known = "、".join(sorted(counties))
        for index, line, rid, county, _ in self.county_lines:
            if county in counties or (index, line) in rejected_lines:
                continue
            message = f"县联社“{county}”不在网点名录登记的县联社之中(名录中有:{known})"
            if self.strict:
                strict.append(
                    StrictRejection(
                        input=index,
                        line=line,
                        id=rid,
                        code=C.UNKNOWN_COUNTY,
                        message=message + "(--strict-registry)",
                        record={"county": county},
                    )
                )
            else:
                warnings.append(
                    ResultWarning(
                        code=UNKNOWN_COUNTY,
                        message=message + ",该条记录照常处理;若为笔误请更正",
                        file=files[index],
                        line=line,
                    )
                )
        warnings.extend(_similar_counties(counties, registered_at, files))
        return warnings, strict


def _similar_counties(
    counties: Mapping[str, list[str]], registered_at: Mapping[str, tuple[int, int]], files: Sequence[str]
) -> list[ResultWarning]:
    """One warning per registered county whose name extends another's (``献县联社`` / ``献县``),
    on the first registration of the longer name. A guess, so never a rejection."""
    found: list[ResultWarning] = []
    names = sorted(counties)
    for longer in names:
        shorter = [c for c in names if c != longer and longer.startswith(c)]
        if not shorter:
            continue
        outlets = sorted(counties[longer], key=lambda o: registered_at.get(o, (0, 0)))
        at = registered_at.get(outlets[0])
        found.append(
            ResultWarning(
                code=SIMILAR_COUNTY,
                message=(
                    f"网点名录中县联社“{longer}”(网点 {'、'.join(sorted(counties[longer]))})与“{shorter[0]}”相近,"
                    "可能是同一县联社的不同写法,将被当作两个县联社分别考核;请核对"
                ),
                file=files[at[0]] if at is not None else None,
                line=at[1] if at is not None else None,
                outlet=outlets[0],
            )
        )
    return found
