"""``python -m service_rules`` is the ``service-rules`` command."""

from ._console import entry_point

entry_point()
