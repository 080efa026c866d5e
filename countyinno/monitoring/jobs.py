"""Job kinds of the monitoring app (registered on import by core's autodiscovery)."""

from . import indexing, reports  # noqa: F401
