"""The ``service-rules`` console script (and ``python -m service_rules``).

It starts the command (:func:`cli.entry_point`) after importing it with Ctrl-C held back: a
Ctrl-C while the command is still starting — its imports take a fifth of a second — then ends it
as one during the run does, quietly with exit code 130, not with a traceback, and never inside
a compiled extension's import (interrupted there, orjson's crashes the interpreter). It imports
nothing of the package's itself: what it imports is imported before it can say so.
"""

from __future__ import annotations

import os
import signal

#: ``_errors.ExitCode.INTERRUPTED`` (a test holds them equal; importing it would be a start-up cost here).
INTERRUPTED = 130


def entry_point() -> None:
    held = hasattr(signal, "pthread_sigmask") and signal.SIGINT not in signal.pthread_sigmask(
        signal.SIG_BLOCK, {signal.SIGINT}
    )
    try:
        try:
            from .cli import entry_point as command
        finally:
            if held:  # a Ctrl-C that came meanwhile is raised now, here or in the command (130 either way)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    except KeyboardInterrupt:
        os._exit(INTERRUPTED)
    command()
