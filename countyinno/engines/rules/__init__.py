"""Policy rule engines, pure Python (no Django): dated rule sets and the assessments that use them."""

from .rulesets import RuleSet, RuleSetError, ruleset_for  # noqa: F401
