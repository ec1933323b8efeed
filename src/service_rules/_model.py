"""The pack model: frozen attrs classes that a pack's TOML files load into.

A pack is data. Every number that changes a score is a :class:`Quantity` (or a
:class:`Deduct`) and says where it came from: ``literal`` (stated in the source text),
``interpreted`` (read from the text, the note says how) or ``assumed`` (not in the text,
the note says why).
"""

from __future__ import annotations

from typing import Literal, Union

import attrs

Provenance = Literal["literal", "interpreted", "assumed"]
ArticleStatus = Literal["complete", "partial", "missing"]
Outcome = Literal["deduct", "pending", "dismissed"]
DeductKind = Literal["fixed", "graded", "per_person"]
FloorPolicy = Literal["none", "minimum"]

#: What a ``when`` entry may hold: a value (equality), a list (any of), or operators.
Scalar = Union[str, int, bool]
ConditionValue = Union[Scalar, list[Scalar], dict[str, Union[Scalar, list[Scalar]]]]


@attrs.frozen
class Quantity:
    """A number from the rules, with its provenance."""

    value: int
    provenance: Provenance
    note: str | None = None


@attrs.frozen
class Floor:
    """How low a section score may go: ``none`` (下不保底) or a ``minimum`` value."""

    policy: FloorPolicy
    provenance: Provenance
    value: int | None = None
    note: str | None = None


@attrs.frozen
class PackMeta:
    name: str
    title: str
    version: str
    floor: Floor
    total: Quantity | None = None
    language: str = "zh-CN"
    source: str | None = None
    description: str | None = None


@attrs.frozen
class Section:
    """A chapter of the regulation; ``scored`` ones appear in every scorecard."""

    number: int
    scored: bool
    title: str | None = None
    allotment: Quantity | None = None
    note: str | None = None


@attrs.frozen
class Article:
    """An article with its original text; ``missing`` ones have no text in the source."""

    number: int
    status: ArticleStatus
    section: int | None = None
    text: str | None = None
    tags: dict[str, str] = attrs.field(factory=dict)
    note: str | None = None


@attrs.frozen
class Deduct:
    """How many points a matched observation costs, with the provenance of those numbers.

    ``fixed``: ``points`` per observation. ``graded``: the inspector's grade, an integer
    from ``min`` to ``max``. ``per_person``: ``points`` per person-time.
    """

    kind: DeductKind
    provenance: Provenance
    points: int | None = None
    min: int | None = None
    max: int | None = None
    note: str | None = None


@attrs.frozen
class Rule:
    """A declarative rule: which observations it matches (``when``) and what follows."""

    id: str
    section: int
    when: dict[str, ConditionValue]
    reason: str
    outcome: Outcome = "deduct"
    article: int | None = None
    title: str | None = None
    deduct: Deduct | None = None
    supersedes: list[str] = attrs.field(factory=list)
    cap: Quantity | None = None
    note: str | None = None


@attrs.frozen
class Pack:
    """A whole pack as loaded: metadata, sections, articles and rules, with the files they came from."""

    meta: PackMeta
    sections: list[Section]
    articles: list[Article]
    rules: list[Rule]
    root: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def version(self) -> str:
        return self.meta.version


# One file each; the loader structures every file into its class and merges them.
@attrs.frozen
class PackFile:
    pack: PackMeta


@attrs.frozen
class SectionsFile:
    sections: list[Section]


@attrs.frozen
class ArticlesFile:
    articles: list[Article]


@attrs.frozen
class RulesFile:
    rules: list[Rule]


PACK_FILES: dict[str, type] = {
    "pack.toml": PackFile,
    "sections.toml": SectionsFile,
    "articles.toml": ArticlesFile,
    "rules.toml": RulesFile,
}
