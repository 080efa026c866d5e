"""Shared fixtures: Shandong's regions are loaded once into the test database."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from countyinno.core import audit
    from countyinno.regions.services import ensure_province

    with django_db_blocker.unblock(), audit.system("test database"):
        ensure_province("37")


@pytest.fixture
def shandong(db):
    """The Shandong region tree; reloaded when a transactional test flushed it."""
    from countyinno.regions.models import Region
    from countyinno.regions.services import ensure_province

    from countyinno.core import audit

    if not Region.objects.filter(code="370000").exists():
        with audit.system("test database"):
            ensure_province("37")
    return Region.objects.get(code="370000")


@pytest.fixture
def world(shandong):
    from countyinno.accounts.testing import ScopeWorld

    return ScopeWorld.build()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
