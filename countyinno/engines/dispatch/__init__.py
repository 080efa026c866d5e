"""科技特派员 dispatch optimiser, pure Python: exact min-cost flow / MILP plans and stable matching."""

from .model import DispatchError, Instance  # noqa: F401
from .solve import solve  # noqa: F401
