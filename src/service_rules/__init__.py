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
from ._errors import (
    EngineError,
    InputFileError,
    PackError,
    PackNotFoundError,
    Problem,
    ServiceRulesError,
    UsageError,
)
from ._evaluate import Records, score
from ._loader import builtin_pack_names, load_pack
from ._model import Article, Deduct, Floor, Pack, PackMeta, Quantity, Rule, Section
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
    "CompiledPack",
    "Deduct",
    "Deduction",
    "EngineError",
    "Excluded",
    "ExclusionReason",
    "Floor",
    "InputFileError",
    "InputSummary",
    "Pack",
    "PackError",
    "PackMeta",
    "PackNotFoundError",
    "PackRef",
    "Problem",
    "Quantity",
    "QuarterTotal",
    "Records",
    "Rejection",
    "Rule",
    "ScoreResult",
    "Scorecard",
    "Section",
    "SectionScore",
    "ServiceRulesError",
    "UsageError",
    "__version__",
    "builtin_pack_names",
    "candidates",
    "compile_pack",
    "load_pack",
    "score",
]
