"""One exception family, each with a stable ``code`` and a ``location``."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs


class ExitCode(enum.IntEnum):
    """Exit status of every subcommand (stable; documented in docs/cli.md)."""

    OK = 0  #: every input line accepted / the pack is valid / every case passed
    REJECTED = 1  #: complete output, but some input lines were rejected (or a pack test failed)
    USAGE = 2  #: bad arguments, unreadable input, or an unknown or invalid pack
    GATE = 3  #: a gate the user asked for tripped (``diff --fail-on``); the output is complete
    INTERNAL = 70  #: an internal error (a bug): one line on stderr, no complete output
    INTERRUPTED = 130  #: interrupted (Ctrl-C)
    BROKEN_PIPE = 141  #: the reader of standard output went away (``| head``)


@attrs.frozen
class Problem:
    """One located problem in a pack: ``file:key.path: code: message``."""

    code: str
    message: str
    file: str | None = None
    path: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, self.path) if p)
        return f"{where}: {self.code}: {self.message}" if where else f"{self.code}: {self.message}"


class ServiceRulesError(Exception):
    """Base of every error this library raises on purpose."""

    code = "service_rules_error"

    def __init__(self, message: str, *, location: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class PackError(ServiceRulesError, ValueError):
    """A pack that cannot be loaded or compiled; ``problems`` lists every problem found."""

    code = "invalid_pack"

    def __init__(
        self, problems: Sequence[Problem], *, location: str | None = None, warnings: Sequence[Problem] = ()
    ) -> None:
        self.problems = tuple(problems)
        #: The warnings found in the same run (``check`` reports them beside the errors).
        self.warnings = tuple(warnings)
        lines = [str(p) for p in self.problems]
        head = f"invalid pack ({len(lines)} problem{'s' if len(lines) != 1 else ''})"
        super().__init__(head + ("\n  " + "\n  ".join(lines) if lines else ""), location=location)


class PackNotFoundError(ServiceRulesError, LookupError):
    """No built-in pack of that name and no pack folder at that path."""

    code = "pack_not_found"


class InputFileError(ServiceRulesError, OSError):
    """An input file that cannot be opened or read at all (its lines are never half-scored)."""

    code = "unreadable_input"


class UsageError(ServiceRulesError, ValueError):
    """Arguments that do not make sense (an unknown period format, say).

    ``param`` names the API argument at fault (``period``, ``as_of``, ``top``…), so a command
    line can name its own flag instead; messages speak in API terms (``period='2026Q5': …``).
    """

    code = "usage"

    def __init__(self, message: str, *, location: str | None = None, param: str | None = None) -> None:
        super().__init__(message, location=location)
        self.param = param


class EngineError(ServiceRulesError, RuntimeError):
    """durable_rules failed or behaved outside what the design relies on; never silent."""

    code = "engine_error"
