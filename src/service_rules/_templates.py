"""Reason texts: one grammar, checked and rendered here.

A pack's reason is data, not code: ``{name}`` placeholders and literal text, braces doubled
(``{{``/``}}``) to print one. No format specs (``{points:>3}``), conversions (``{x!r}``),
attribute or index access: each is a located error, as is a placeholder the kind of rule does
not provide. :func:`parse` is the one reader of the grammar; the compiler reports what it
finds and every stage renders through :meth:`Template.render`, so a template that passed the
check can only render as checked.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import attrs

#: The placeholders each kind of rule provides to its reason templates.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "deduction": ("article", "points", "persons", "tag", "raw_points"),
    "ladder": ("subject", "n", "lapses", "label", "action", "year", "window", "cause"),
    "streak": ("subject", "months", "label", "action", "n"),
    "cadence": ("subject", "period", "outlets"),
    "deadline_late": ("subject", "period", "deadline", "submitted"),
    "deadline_missing": ("subject", "period", "deadline", "as_of"),
    "crosscheck": ("subject", "date", "outlet", "articles"),
    "exclusion": (),
    "fine": ("subject", "n", "amount", "cause", "article", "window", "actions"),
    "threshold": (
        "subject",
        "outlet",
        "county",
        "window",
        "window_words",
        "quantity",
        "value",
        "section",
        "label",
        "action",
    ),
}


#: Brackets dropped around a placeholder that renders as nothing: opening → closing.
_BRACKETS: dict[str, str] = {"[": "]", "(": ")", "（": "）", "【": "】", "〔": "〕", "「": "」", "“": "”"}


@attrs.frozen
class Template:
    """A parsed reason: literal text and placeholder names, alternating (literal first)."""

    pieces: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return self.pieces[1::2]

    def render(self, values: Mapping[str, Any]) -> str:
        """Fill every placeholder; an absent, null or empty value reads as nothing, and so do the
        brackets directly around it (``[{tag}]``, ``({tag})``, ``【{tag}】`` of a finding without a tag)."""
        pieces = self.pieces
        if len(pieces) == 1:
            return pieces[0]
        out = [pieces[0]]
        for i in range(1, len(pieces), 2):
            value = values.get(pieces[i])
            text = "" if value is None else str(value)
            after = pieces[i + 1]
            if not text and out[-1] and after and _BRACKETS.get(out[-1][-1]) == after[0]:
                out[-1] = out[-1][:-1]
                after = after[1:]
            out.append(text)
            out.append(after)
        return "".join(out)


class TemplateError(ValueError):
    """A reason that breaks the grammar; ``message`` says what and how to mend it."""


@lru_cache(maxsize=4096)
def parse(text: str) -> Template:
    """The one reader of the grammar; raises :class:`TemplateError` for anything but ``{name}``."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"unbalanced braces ({exc}); write {{{{ or }}}} for a literal brace") from None
    pieces: list[str] = []
    literal: list[str] = []
    for text_part, name, spec, conversion in parsed:
        literal.append(text_part)
        if name is None:
            continue
        if not name:
            raise TemplateError("an empty placeholder {}; name a value, e.g. {points}")
        if not name.isidentifier():
            raise TemplateError(f"placeholder {{{name}}}: only plain names, no attribute or index access")
        if conversion is not None:
            raise TemplateError(f"placeholder {{{name}!{conversion}}}: conversions are not allowed")
        if spec:
            raise TemplateError(f"placeholder {{{name}:{spec}}}: format specs are not allowed (a pack is data)")
        pieces.append("".join(literal))
        literal = []
        pieces.append(name)
    pieces.append("".join(literal))
    return Template(tuple(pieces))


def problems(text: str, kind: str) -> list[str]:
    """Every problem of ``text`` as a reason of ``kind`` (empty when it is fine)."""
    try:
        template = parse(text)
    except TemplateError as exc:
        return [str(exc)]
    known = PLACEHOLDERS[kind]
    listed = ", ".join(known) if known else "none"
    return [
        f"reason uses {{{name}}}, which a {kind} does not provide (known: {listed})"
        for name in dict.fromkeys(template.names)
        if name not in known
    ]


def render(text: str, values: Mapping[str, Any]) -> str:
    """Render a checked template (parsed once per distinct text)."""
    return parse(text).render(values)
