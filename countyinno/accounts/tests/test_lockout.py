"""Lock-out by (user name, address): the victim still signs in from elsewhere; cool-offs grow 1, 5, 15
minutes; counters are exact under concurrency; province admins see and lift lock-outs on a page."""

import datetime
import threading

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from countyinno.core import security
from countyinno.core.models import AuditLogEntry

PASSWORD = "CountyInno@2026"
ATTACKER = "203.0.113.66"
VICTIM_DESK = "198.51.100.7"


def guess(client, username, password="wrong-password", ip=ATTACKER):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def age_attempts(seconds):
    """Move every recorded failure `seconds` into the past (instead of waiting)."""
    from axes.models import AccessFailureLog

    for model in (AccessAttempt, AccessFailureLog):
        for row in model.objects.all():
            model.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - datetime.timedelta(seconds=seconds))


def test_the_victim_signs_in_from_another_address_while_the_attacker_is_locked(world):
    attacker, victim = Client(), Client()
    username = world.users["province"].username
    for _ in range(settings.LOGIN_MAX_FAILURES):
        guess(attacker, username)
    locked = guess(attacker, username, PASSWORD)  # even the right password, from the attacker's address
    assert locked.status_code == 200 and "locked" in locked.content.decode()
    assert attacker.get("/accounts/organisations/").status_code == 302
    ok = guess(victim, username, PASSWORD, ip=VICTIM_DESK)
    assert ok.status_code == 302 and victim.get("/accounts/organisations/").status_code == 200
    # The victim's success clears only the victim's own pair: the attacker's address stays locked.
    assert "locked" in guess(attacker, username, PASSWORD).content.decode()
    entries = AuditLogEntry.objects.filter(action="login", object_repr=username)
    assert entries.filter(after__reason="bad-credentials", source_ip=ATTACKER).count() == settings.LOGIN_MAX_FAILURES
    assert entries.filter(after__reason="locked", source_ip=ATTACKER).count() == 2
    assert entries.filter(after__ok=True, source_ip=VICTIM_DESK).count() == 1


def test_the_cool_off_grows_one_five_fifteen_minutes(world):
    client = Client()
    username = world.users["county_a"].username
    expected = [1, 5, 15, 15]
    for minutes in expected:
        for _ in range(settings.LOGIN_MAX_FAILURES):
            guess(client, username)
        assert "locked" in guess(client, username, PASSWORD).content.decode()
        assert f"{minutes} 分钟" in guess(client, username, PASSWORD).content.decode()
        age_attempts(minutes * 60 - 5)
        assert "locked" in guess(client, username, PASSWORD).content.decode(), f"still locked before {minutes} min"
        age_attempts(10)
        assert "locked" not in guess(client, username, "wrong-again").content.decode(), f"free after {minutes} min"
        AccessAttempt.objects.all().delete()  # the wrong guess above starts a fresh count; start clean


def test_failures_out_of_the_window_do_not_count(world):
    client = Client()
    username = world.users["member_a"].username
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        guess(client, username)
    age_attempts(settings.LOGIN_LOCKOUT_SECONDS + 1)
    guess(client, username)
    assert guess(client, username, PASSWORD).status_code == 302


def test_the_api_token_endpoint_shares_the_lock(world, api_client):
    username = world.users["member_c"].username
    for _ in range(settings.LOGIN_MAX_FAILURES):
        api_client.post("/api/auth/token/", {"username": username, "password": "nope"}, format="json",
                        REMOTE_ADDR=ATTACKER)
    # Locked on the page too, from that address; not from another.
    assert "locked" in guess(Client(), username, PASSWORD).content.decode()
    ok = api_client.post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json",
                         REMOTE_ADDR=VICTIM_DESK)
    assert ok.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_guesses_are_evaluated_exactly_five_times(shandong):
    """The old counter read, then wrote: concurrent guesses all saw 'not locked' and were all evaluated.
    Now each guess is checked, evaluated and counted as one step for its (user name, address)."""
    from django.db import connection

    from countyinno.accounts.testing import ScopeWorld

    world = ScopeWorld.build()
    username = world.users["province"].username
    barrier = threading.Barrier(20)
    statuses, errors = [], []

    def worker():
        from django.db import connection as own

        try:
            client = Client()
            barrier.wait(timeout=30)
            statuses.append(guess(client, username).content.decode())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(statuses) == 20
    entries = AuditLogEntry.objects.filter(action="login", object_repr=username)
    evaluated = entries.filter(after__reason="bad-credentials").count()
    refused = entries.filter(after__reason="locked").count()
    assert (evaluated, refused) == (settings.LOGIN_MAX_FAILURES, 20 - settings.LOGIN_MAX_FAILURES), connection.vendor
    assert sum(AccessAttempt.objects.filter(username=username).values_list("failures_since_start", flat=True)) \
        == settings.LOGIN_MAX_FAILURES


def test_province_admins_see_and_lift_lock_outs(world, client):
    username = world.users["county_b"].username
    attacker = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        guess(attacker, username)
    client.force_login(world.users["county_a"])
    assert client.get("/accounts/lockouts/").status_code == 403  # a county admin may not
    assert client.post("/accounts/lockouts/lift/", {"username": username, "ip_address": ATTACKER}).status_code == 403
    assert "locked" in guess(attacker, username, PASSWORD).content.decode()

    client.force_login(world.users["province"])
    page = client.get("/accounts/lockouts/").content.decode()
    assert 'value="t-county-370103"' in page and ATTACKER in page and "解除锁定" in page
    assert username not in client.get("/accounts/lockouts/", {"q": "nobody"}).content.decode()
    assert client.get("/accounts/lockouts/", {"q": "x" * 400}).status_code == 400
    response = client.post("/accounts/lockouts/lift/", {"username": username, "ip_address": ATTACKER})
    assert response.status_code == 302
    page = client.get("/accounts/lockouts/").content.decode()
    assert "lock-out of t-county-370103 lifted" in page and 'value="t-county-370103"' not in page
    assert AuditLogEntry.objects.filter(operation="accounts.lift_lockout", action="denied").count() == 1
    entry = AuditLogEntry.objects.exclude(action="denied").get(operation="accounts.lift_lockout")
    assert entry.actor == world.users["province"] and entry.after["ip_address"] == ATTACKER
    assert guess(attacker, username, PASSWORD).status_code == 302
    assert client.post("/accounts/lockouts/lift/", {"username": username, "ip_address": "not-an-ip"}).status_code == 302


def test_current_lockouts_lists_only_live_locks(world):
    username = world.users["member_a"].username
    client = Client()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        guess(client, username)
    locks = security.current_lockouts()
    assert [(lock.username, lock.ip_address, lock.failures) for lock in locks] == \
        [(username, ATTACKER, settings.LOGIN_MAX_FAILURES)]
    assert locks[0].user == world.users["member_a"]
    assert locks[0].until - locks[0].last_attempt == datetime.timedelta(minutes=1)
    assert security.current_lockouts(now=timezone.now() + datetime.timedelta(minutes=2)) == []
