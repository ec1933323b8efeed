"""``python -m service_rules`` is the ``service-rules`` command."""

from .cli import entry_point

entry_point()
