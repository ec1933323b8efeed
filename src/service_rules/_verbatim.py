"""Texts true to the source: verbatim article texts and quotations, checked against the source file.

A pack names its source text (``source_file`` in ``[pack]``, a UTF-8 file beside pack.toml).
Against it, :func:`check_verbatim` checks

- the ``text`` of every ``complete`` or ``partial`` article, and the ``quote`` of every
  ``derived`` or ``assumed`` one: the source's own words;
- every quotation (“…” or 「…」, nested ones inside the outermost) in every other text of the pack —
  notes, reasons, titles, labels, and the wording of derived items: the source's own words.

"The source's own words" means: ``…`` marks a cut, and each piece between cuts appears in the
source, in order; a ``{placeholder}`` of a reason template counts as a cut; whitespace is ignored
on both sides (the source text is an extraction with stray spaces and line breaks).

Each entry is checked against the source of the layer that defined it and of the layers beneath
it (a layer may quote its base's source); an entry of a layer that names no source file is not
checked (a union's layer may hold text from paper rules that no file carries). Status rules hold
regardless: a ``derived`` item needs its ``quote``, an ``assumed`` one a ``note`` saying why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import attrs

from ._errors import Problem
from ._model import Article, Pack, Rule

#: Opening and closing quotation marks (a closing mark must match the innermost open one).
_PAIRS = {"“": "”", "「": "」"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
#: A cut: one or more ellipsis characters, or a reason template's placeholder.
_CUT = re.compile(r"…+|\{\w+\}")
_SPACE = re.compile(r"\s+")
#: Keys never holding prose: conditions, and the quotations a rule declares unverified.
_SKIP = frozenset({"when", "unverified_quotes"})


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def quotations(text: str) -> tuple[list[str], str | None]:
    """The outermost quotations in ``text`` (without their marks), and what is unbalanced, if anything."""
    found: list[str] = []
    stack: list[str] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in _PAIRS:
            if not stack:
                start = i + 1
            stack.append(ch)
        elif ch in _CLOSERS:
            if not stack or stack[-1] != _CLOSERS[ch]:
                return found, f"a closing {ch} at character {i + 1} matches no opening {_CLOSERS[ch]}"
            stack.pop()
            if not stack:
                found.append(text[start:i])
    if stack:
        return found, f"an opening {stack[-1]} is never closed"
    return found, None


def divergence(quoted: str, source: str) -> str | None:
    """None when ``quoted`` is the source's own words (cuts marked with …), else where it parts from it."""
    pieces = [p for p in (_squash(x) for x in _CUT.split(quoted)) if p]
    if not pieces:
        return "nothing to compare (an empty quotation)"
    at = 0
    for n, piece in enumerate(pieces):
        found = source.find(piece, at)
        if found >= 0:
            at = found + len(piece)
            continue
        # the longest beginning of the piece the source has (after the previous piece)
        lo, hi = 0, len(piece)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if source.find(piece[:mid], at) >= 0:
                lo = mid
            else:
                hi = mid - 1
        which = f"piece {n + 1} of {len(pieces)} (cuts marked with …)" if len(pieces) > 1 else "it"
        if lo == 0:
            return f"{which} is not in the source: “{piece[:20]}”"
        where = source.find(piece[:lo], at) + lo
        return (
            f"{which} parts from the source after “{piece[max(0, lo - 12) : lo]}”: "
            f"the text goes on “{piece[lo : lo + 12]}”, the source “{source[where : where + 12]}”"
        )
    return None


def _strings(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every string under ``node`` with its key path and the object holding it."""
    if isinstance(node, str):
        yield path, node, None
    elif isinstance(node, list):
        for i, x in enumerate(node):
            yield from _strings(x, f"{path}[{i}]")
    elif isinstance(node, dict):
        for k, x in node.items():
            yield from _strings(x, f"{path}.{k}")
    elif attrs.has(type(node)):
        for f in attrs.fields(type(node)):
            if f.name not in _SKIP:
                yield from _strings(getattr(node, f.name), f"{path}.{f.name}" if path else f.name)


@attrs.frozen
class _Entry:
    """A part of the pack with its file, key path and the layer that defined it."""

    obj: Any
    file: str
    path: str
    layer: str | None


def _entries(pack: Pack) -> Iterator[_Entry]:
    top = pack.layers[-1] if pack.layers else pack.meta.name

    def origin(key: str, i: int, file: str) -> tuple[str, str, str | None]:
        shown, index = pack.entry_origins.get(f"{key}[{i}]", (file, i))
        layer = shown.split("/", 1)[0] if "/" in shown else top
        return shown, f"{key}[{index}]", layer

    def shown(file: str) -> str:
        return f"{top}/{file}" if len(pack.layers) > 1 else file

    yield _Entry(pack.meta, shown("pack.toml"), "pack", top)
    for key, items, file in (
        ("sections", pack.sections, "sections.toml"),
        ("articles", pack.articles, "articles.toml"),
        ("rules", pack.rules, "rules.toml"),
        ("ladders", pack.oversight.ladders, "oversight.toml"),
        ("streaks", pack.oversight.streaks, "oversight.toml"),
        ("cadences", pack.oversight.cadences, "oversight.toml"),
        ("deadlines", pack.oversight.deadlines, "oversight.toml"),
        ("crosschecks", pack.oversight.crosschecks, "oversight.toml"),
        ("rates", pack.money.rates, "money.toml"),
        ("fines", pack.money.fines, "money.toml"),
    ):
        for i, item in enumerate(items):
            f, p, layer = origin(key, i, file)
            yield _Entry(item, f, p, layer)
    o = pack.oversight
    for key, value in (
        ("recommendation", o.recommendation),
        ("lapse_labels", o.lapse_labels),
        ("action_labels", o.action_labels),
    ):
        if value:
            yield _Entry(value, shown("oversight.toml"), key, top)
    m = pack.money
    if m.employees is not None:
        yield _Entry(m.employees, shown("money.toml"), "employees", top)
    if m.action_labels:
        yield _Entry(m.action_labels, shown("money.toml"), "action_labels", top)


def _read_sources(pack: Pack) -> tuple[dict[str, str], list[Problem]]:
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for layer, path in pack.sources.items():
        where = f"{layer}/pack.toml" if len(pack.layers) > 1 else "pack.toml"
        try:
            texts[layer] = _squash(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                Problem(
                    "source_file_unreadable",
                    f"the source file {Path(path).name} cannot be read as UTF-8 text ({exc.__class__.__name__}): "
                    "ship it beside pack.toml",
                    file=where,
                    path="$.pack.source_file",
                )
            )
    return texts, problems


def check_verbatim(pack: Pack) -> list[Problem]:
    """Every article text, article quote and quotation that is not the source's own words,
    and every article whose status lacks what it needs; located as ``file:$.path``."""
    texts, problems = _read_sources(pack)
    order = {name: i for i, name in enumerate(pack.layers)}

    def sources_for(layer: str | None) -> list[str] | None:
        if layer is None or layer not in texts:
            return None  # this layer names no source: nothing to check its texts against
        depth = order.get(layer, len(pack.layers))
        return [t for name, t in texts.items() if order.get(name, 0) <= depth]

    def problem(code: str, message: str, e: _Entry, sub: str) -> None:
        problems.append(Problem(code, message, file=e.file, path=f"$.{e.path}{sub}"))

    def verbatim(quoted: str, sources: list[str]) -> str | None:
        found = [divergence(quoted, s) for s in sources]
        return None if any(d is None for d in found) else found[0]

    for e in _entries(pack):
        sources = sources_for(e.layer)
        whole: set[str] = set()
        if isinstance(e.obj, Article):
            whole = _check_article(e.obj, sources, verbatim, lambda c, m, s, e=e: problem(c, m, e, s))
        unverified = dict(e.obj.unverified_quotes) if isinstance(e.obj, Rule) else {}
        seen_unverified: set[str] = set()
        for sub, text, _ in _strings(e.obj, ""):
            if sub.lstrip(".") in whole:
                continue
            found, unbalanced = quotations(text)
            at = f".{sub.lstrip('.')}"
            if unbalanced:
                problem("quotation_unbalanced", unbalanced, e, at)
            if sources is None:
                continue
            for q in found:
                why = verbatim(q, sources)
                if why is None:
                    continue
                if q in unverified:
                    seen_unverified.add(q)
                    continue
                problem("quotation_not_verbatim", f"“{q}”: {why}", e, at)
        for q, reason in unverified.items():
            if not reason.strip():
                problem("unverified_quote_reason", f"say why “{q}” is kept as it is", e, ".unverified_quotes")
            if sources is not None and q not in seen_unverified:
                problem(
                    "unverified_quote_stale",
                    f"“{q}” is not a non-verbatim quotation of this rule (fixed, or never there): remove it",
                    e,
                    ".unverified_quotes",
                )
    return problems


def _check_article(a: Article, sources: list[str] | None, verbatim: Any, report: Any) -> set[str]:
    """The status rules of one article and its verbatim text or quote; the keys checked whole."""
    if a.status in ("complete", "partial"):
        if a.quote is not None:
            report("quote_unexpected", f"a {a.status} article is the source's own words; it takes no quote", ".quote")
        if a.text and sources is not None:
            why = verbatim(a.text, sources)
            if why is not None:
                report(
                    "text_not_verbatim",
                    f"article {a.number} is {a.status} (the source's own words) but {why}; mark cuts with …, "
                    "or make it a derived item with the passage in quote",
                    ".text",
                )
        return {"text"}
    if a.status == "derived" and not (a.quote and a.quote.strip()):
        report("quote_missing", f"derived item {a.number} needs the verbatim passage it comes from in quote", ".quote")
    if a.status == "assumed" and not (a.note and a.note.strip()):
        report("assumed_note_missing", f"item {a.number} is assumed (no source states it): say why in note", ".note")
    if a.quote and sources is not None:
        why = verbatim(a.quote, sources)
        if why is not None:
            report("quote_not_verbatim", f"the quote of item {a.number}: {why}", ".quote")
    return {"quote"}


class _Stage(Protocol):
    pack: Pack
    errors: list[Problem]
    warnings: list[Problem]


def stage(b: _Stage) -> None:
    """The compiler stage: :func:`check_verbatim`'s problems added to the build's."""
    for p in check_verbatim(b.pack):
        (b.errors if p.severity == "error" else b.warnings).append(p)
