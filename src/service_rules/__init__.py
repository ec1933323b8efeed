"""service_rules: inspection findings in, scorecards, sanctions and reports out, as a regulation says.

>>> import service_rules as sr
>>> pack = sr.compile_pack(sr.load_pack("cangzhou"))
>>> result = sr.score(pack, ["examples/cangzhou-2026q3.jsonl"], as_of="2026-11-27")
>>> result.scorecards[0].total  # doctest: +SKIP

Everything public is re-exported here; the modules behind it are private.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

if _TYPE_CHECKING:  # every public name is imported when first asked for (below)
    from ._candidates import Candidate, CandidatesResult, Excluded, ExclusionReason, QuarterTotal, candidates
    from ._codes import RejectionCode
    from ._compiler import CompiledPack, compile_pack
    from ._diff import (
        OutletChange,
        PackDiff,
        RuleEffect,
        SectionChange,
        compare_results,
        diff_packs,
        render_diff_markdown,
    )
    from ._errors import (
        EngineError,
        ExitCode,
        InputFileError,
        PackError,
        PackNotFoundError,
        Problem,
        ServiceRulesError,
        UsageError,
    )
    from ._evaluate import public_standing as standing
    from ._evaluate import score, score_to_stream
    from ._ingest import Records, ingest
    from ._loader import PackSource, available_packs, builtin_pack_names, load_pack
    from ._model import Article, Deduct, Floor, LayerChange, Pack, PackMeta, Quantity, Rule, Section
    from ._oversight import oversight_actions
    from ._packdocs import render_pack_docs
    from ._packtest import CaseResult, Coverage, PackTestReport, junit_xml, run_pack_tests
    from ._results import (
        Action,
        AppealRef,
        Deduction,
        EmployeeAccount,
        EmployeeFine,
        EmployeeShare,
        Fine,
        InputSummary,
        LapseAppeal,
        OverturnedLapse,
        PackRef,
        Rejection,
        Replacement,
        ResultWarning,
        Scorecard,
        ScoreResult,
        SectionScore,
    )
    from ._scoring import scorecards
    from ._store import AppealRecord, Facts, Inspection, LapseRecord, Observation, Registration, ReportRecord, Watched

#: Each public name's module, imported when one of its names is first asked for: ``import
#: service_rules`` costs nothing until then (a Ctrl-C while the command starts is the console
#: script's to catch), and a scoring run never imports candidates, pack diffs, pack documents
#: or pack tests.
_MODULES: dict[str, tuple[str, ...]] = {
    "_codes": ("RejectionCode",),
    "_compiler": ("CompiledPack", "compile_pack"),
    "_errors": (
        "EngineError",
        "ExitCode",
        "InputFileError",
        "PackError",
        "PackNotFoundError",
        "Problem",
        "ServiceRulesError",
        "UsageError",
    ),
    "_evaluate": ("standing", "score", "score_to_stream"),
    "_ingest": ("Records", "ingest"),
    "_loader": ("PackSource", "available_packs", "builtin_pack_names", "load_pack"),
    "_model": ("Article", "Deduct", "Floor", "LayerChange", "Pack", "PackMeta", "Quantity", "Rule", "Section"),
    "_oversight": ("oversight_actions",),
    "_results": (
        "Action",
        "AppealRef",
        "Deduction",
        "EmployeeAccount",
        "EmployeeFine",
        "EmployeeShare",
        "Fine",
        "InputSummary",
        "LapseAppeal",
        "OverturnedLapse",
        "PackRef",
        "Rejection",
        "Replacement",
        "ResultWarning",
        "Scorecard",
        "ScoreResult",
        "SectionScore",
    ),
    "_scoring": ("scorecards",),
    "_store": (
        "AppealRecord",
        "Facts",
        "Inspection",
        "LapseRecord",
        "Observation",
        "Registration",
        "ReportRecord",
        "Watched",
    ),
    "_candidates": ("Candidate", "CandidatesResult", "Excluded", "ExclusionReason", "QuarterTotal", "candidates"),
    "_diff": (
        "OutletChange",
        "PackDiff",
        "RuleEffect",
        "SectionChange",
        "compare_results",
        "diff_packs",
        "render_diff_markdown",
    ),
    "_packdocs": ("render_pack_docs",),
    "_packtest": ("CaseResult", "Coverage", "PackTestReport", "junit_xml", "run_pack_tests"),
}
#: A public name that has another name in its module.
_ALIASES = {"standing": "public_standing"}
_LATER = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> _Any:
    """``__version__``, read from the installed package's metadata when first asked (reading
    it costs a run's start-up about 0.07 s, and scoring never needs it); every other public
    name from its module (:data:`_MODULES`), imported when one of its names is first asked for."""
    module = _LATER.get(name)
    if module is not None:
        value = getattr(_importlib.import_module(f".{module}", __name__), _ALIASES.get(name, name))
        globals()[name] = value
        return value
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("service-rules")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found


__all__ = [
    "Action",
    "AppealRecord",
    "AppealRef",
    "Article",
    "Candidate",
    "CandidatesResult",
    "CaseResult",
    "CompiledPack",
    "Coverage",
    "Deduct",
    "Deduction",
    "EmployeeAccount",
    "EmployeeFine",
    "EmployeeShare",
    "EngineError",
    "Excluded",
    "ExclusionReason",
    "ExitCode",
    "Facts",
    "Fine",
    "Floor",
    "InputFileError",
    "InputSummary",
    "Inspection",
    "LapseAppeal",
    "LapseRecord",
    "LayerChange",
    "Observation",
    "OutletChange",
    "OverturnedLapse",
    "Pack",
    "PackDiff",
    "PackError",
    "PackMeta",
    "PackNotFoundError",
    "PackRef",
    "PackSource",
    "PackTestReport",
    "Problem",
    "Quantity",
    "QuarterTotal",
    "Records",
    "Registration",
    "Rejection",
    "RejectionCode",
    "Replacement",
    "ReportRecord",
    "ResultWarning",
    "Rule",
    "RuleEffect",
    "ScoreResult",
    "Scorecard",
    "Section",
    "SectionChange",
    "SectionScore",
    "ServiceRulesError",
    "UsageError",
    "Watched",
    "__version__",
    "available_packs",
    "builtin_pack_names",
    "candidates",
    "compare_results",
    "compile_pack",
    "diff_packs",
    "ingest",
    "junit_xml",
    "load_pack",
    "oversight_actions",
    "render_diff_markdown",
    "render_pack_docs",
    "run_pack_tests",
    "score",
    "score_to_stream",
    "scorecards",
    "standing",
]


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
