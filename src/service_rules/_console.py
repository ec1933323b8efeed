"""The ``service-rules`` console script (and ``python -m service_rules``).

It starts the command (:func:`cli.entry_point`) after importing it, so that a Ctrl-C while the
command is still starting — its imports take a fifth of a second — ends it as a Ctrl-C during
the run does, quietly with exit code 130, and not with a traceback. It imports nothing else:
what it imports is imported before it can say so.
"""

from __future__ import annotations

import os

#: ``_errors.ExitCode.INTERRUPTED`` (a test holds them equal; importing it would be a start-up cost here).
INTERRUPTED = 130


def entry_point() -> None:
    try:
        from .cli import entry_point as command
    except KeyboardInterrupt:
        os._exit(INTERRUPTED)
    command()
