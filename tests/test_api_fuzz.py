"""Schemathesis against our own OpenAPI schema, as three roles: no 5xx, responses match the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from countyinno.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
ROLES = ("province", "county_a", "member_a")


@pytest.fixture(autouse=True)
def keep_test_connection():
    """As Django's test client does: requests must not close the test transaction's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world):
    from countyinno.core.api.tokens import issue

    return {role: issue(world.users[role])[0] for role in ROLES}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_never_errors_and_conforms(case, tokens):
    for role in ROLES:
        case.call_and_validate(headers={"Authorization": f"Token {tokens[role]}"},
                               checks=[schemathesis.checks.not_a_server_error,
                                       schemathesis.checks.response_schema_conformance])
