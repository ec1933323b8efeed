"""service_rules: inspection findings in, scorecards, sanctions and reports out, as a regulation says.

>>> import service_rules as sr
>>> pack = sr.compile_pack(sr.load_pack("cangzhou"))
>>> result = sr.score(pack, ["examples/cangzhou-2026q3.jsonl"], as_of="2026-11-27")
>>> result.scorecards[0].total  # doctest: +SKIP

Everything public is re-exported here; the modules behind it are private.
"""

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from ._candidates import (
    Candidate,
    CandidatesResult,
    Excluded,
    ExclusionReason,
    QuarterTotal,
    candidates,
)
from ._compiler import CompiledPack, compile_pack
from ._diff import OutletChange, PackDiff, RuleEffect, SectionChange, compare_results, diff_packs, render_diff_markdown
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
from ._evaluate import Records, score, score_to_stream
from ._loader import PackSource, available_packs, builtin_pack_names, load_pack
from ._model import Article, Deduct, Floor, LayerChange, Pack, PackMeta, Quantity, Rule, Section
from ._packdocs import render_pack_docs
from ._packtest import CaseResult, Coverage, PackTestReport, junit_xml, run_pack_tests
from ._results import (
    Action,
    Deduction,
    InputSummary,
    PackRef,
    Rejection,
    Scorecard,
    ScoreResult,
    SectionScore,
)

try:
    __version__ = _version("service-rules")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Action",
    "Article",
    "Candidate",
    "CandidatesResult",
    "CaseResult",
    "CompiledPack",
    "Coverage",
    "Deduct",
    "Deduction",
    "EngineError",
    "Excluded",
    "ExclusionReason",
    "ExitCode",
    "Floor",
    "InputFileError",
    "InputSummary",
    "LayerChange",
    "OutletChange",
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
    "Rejection",
    "Rule",
    "RuleEffect",
    "ScoreResult",
    "Scorecard",
    "Section",
    "SectionChange",
    "SectionScore",
    "ServiceRulesError",
    "UsageError",
    "__version__",
    "available_packs",
    "builtin_pack_names",
    "candidates",
    "compare_results",
    "compile_pack",
    "diff_packs",
    "junit_xml",
    "load_pack",
    "render_diff_markdown",
    "render_pack_docs",
    "run_pack_tests",
    "score",
    "score_to_stream",
]
