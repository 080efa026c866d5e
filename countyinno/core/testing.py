"""Test support that needs no domain app: the registry of declared-action cases.

Each app's `tests/action_cases.py` gives, for every declared action, a way to call it once with an
actor who may and once with one who may not:

    @action_case("techmarket.submit_listing")
    def _(world):
        listing = make_draft(world.enterprise_a)
        return Case(kwargs={"listing": listing}, allowed=world.users["member_a"], denied=world.users["member_c"])

`tests/test_declared_actions.py` walks every declared action: the refused call raises, changes
nothing and is audited as "denied"; the allowed call leaves entries naming the action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Case:
    kwargs: dict[str, Any]
    allowed: Any  # a user; None to run inside audit.system() (actions only the platform does)
    denied: Any  # a signed-in user without the permission
    args: tuple = ()
    # Some actions change nothing that is audited per object when allowed (e.g. an export); say which
    # audit action their allowed call leaves instead.
    expect_actions: tuple[str, ...] = ("create", "update", "delete", "state", "export")
    notes: str = ""
    extra: dict = field(default_factory=dict)


_cases: dict[str, Callable] = {}


def action_case(name: str):
    def decorate(builder):
        if name in _cases:
            raise ValueError(f"two cases for {name}")
        _cases[name] = builder
        return builder

    return decorate


def action_cases() -> dict[str, Callable]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tests.action_cases")
    return dict(_cases)
