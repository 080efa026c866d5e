"""The one write path, proven for every app.

- every declared action has a case (`<app>/tests/action_cases.py`);
- called by an actor without the permission it raises, changes nothing and leaves a "denied" entry;
- called with `actor=None` outside `audit.system()` it is refused (unless it admits anonymous callers);
- called by an allowed actor it leaves audit entries naming the action;
- bulk writes on audited models raise outside `audit.bulk()`, and are recorded per object inside it;
- every model that holds user or decision data is audited and guarded.
"""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from countyinno.core import audit
from countyinno.core.actions import ActionRefused, declared_actions
from countyinno.core.audit import AuditedModel, AuditGuardedQuerySetMixin, UnauditedWrite
from countyinno.core.models import AuditLogEntry
from countyinno.core.testing import action_cases

# Models that are not audited, each with the reason. Everything else a user or a decision writes is.
NOT_AUDITED = {
    "core.AuditLogEntry": "the audit log itself (append-only, immutable on PostgreSQL)",
    "core.Job": "job bookkeeping; the action that submits a job is audited",
    "accounts.PasswordHistory": "password hashes for the no-reuse rule; the change is audited on the user",
    "core.Notification": "a copy of news the audited action that caused it already records; read marks only",
    "core.ApiToken": "hashes only; issuing is a log-in entry (method token), revoking a state entry on the user",
}


def _all_actions():
    return sorted(declared_actions())


def _case_names():
    return sorted(action_cases())


def test_every_declared_action_has_a_case():
    missing = sorted(set(_all_actions()) - set(_case_names()))
    assert not missing, f"declared actions without a case in <app>/tests/action_cases.py: {missing}"
    stale = sorted(set(_case_names()) - set(_all_actions()))
    assert not stale, f"cases for actions that are not declared: {stale}"


def test_apps_declare_actions():
    by_app = {a.app_label for a in declared_actions().values()}
    for app in ("accounts", "monitoring", "techmarket", "contracts", "talent", "enterprises", "rural"):
        assert app in by_app, f"{app} declares no actions"


def _fingerprint():
    """Everything an action could have written: row counts and the newest change per audited model."""
    return AuditLogEntry.objects.exclude(action="denied").count()


@pytest.mark.parametrize("name", _all_actions())
def test_declared_action_refuses_and_audits(world, name, django_capture_on_commit_callbacks):
    spec = declared_actions()[name]
    builder = action_cases().get(name)
    if builder is None:
        pytest.fail(f"no case for {name}")
    with audit.system("test fixture"), audit.bulk("test fixture"):
        case = builder(world)

    # 1. An actor without the permission: refused, nothing changed, the attempt recorded.
    before = _fingerprint()
    denied_before = AuditLogEntry.objects.filter(action="denied", operation=name).count()
    with pytest.raises(ActionRefused):
        spec.func(*case.args, actor=case.denied, **case.kwargs)
    assert _fingerprint() == before, f"{name}: a refused call wrote audit entries (so it changed something)"
    assert AuditLogEntry.objects.filter(action="denied", operation=name).count() == denied_before + 1, \
        f"{name}: the refused attempt was not audited"

    # 2. No actor outside system(): refused unless the action is a public form.
    if not spec.anonymous:
        with pytest.raises(ActionRefused):
            spec.func(*case.args, actor=None, **case.kwargs)
        assert _fingerprint() == before

    # 3. An allowed actor: the action runs and its entries name it.
    with django_capture_on_commit_callbacks(execute=True):
        if case.allowed is None:
            with audit.system("declared-action test"):
                spec.func(*case.args, actor=None, **case.kwargs)
        else:
            spec.func(*case.args, actor=case.allowed, **case.kwargs)
    entries = AuditLogEntry.objects.filter(operation=name).exclude(action="denied")
    assert entries.filter(action__in=case.expect_actions).exists(), f"{name}: the allowed call left no audit entry"
    if case.allowed is not None:
        assert entries.filter(actor=case.allowed).exists(), f"{name}: entries do not name the actor"


def _audited_models():
    return [m for m in apps.get_models() if issubclass(m, AuditedModel)]


def test_every_user_or_decision_model_is_audited():
    ours = [m for m in apps.get_models() if m.__module__.startswith("countyinno.")]
    missing = [m._meta.label for m in ours if not issubclass(m, AuditedModel) and m._meta.label not in NOT_AUDITED]
    assert not missing, f"models neither audited nor listed in NOT_AUDITED with a reason: {missing}"


@pytest.mark.parametrize("label", sorted(m._meta.label for m in _audited_models()))
def test_audited_querysets_are_guarded(label):
    model = apps.get_model(label)
    assert isinstance(model._default_manager.get_queryset(), AuditGuardedQuerySetMixin), \
        f"{label}'s default manager does not guard bulk writes"


@pytest.mark.django_db
def test_raw_bulk_writes_raise_and_are_recorded_inside_bulk(shandong):
    from countyinno.accounts.models import Organisation
    from countyinno.core.validators import make_credit_code

    region = shandong.children.filter(level="city").first()
    with pytest.raises(UnauditedWrite):
        Organisation.objects.bulk_create([Organisation(name="批量", kind="enterprise", region=region)])
    with pytest.raises(UnauditedWrite):
        Organisation.objects.filter(region=region).update(address="x")
    with pytest.raises(UnauditedWrite):
        Organisation.objects.filter(region=region).delete()
    assert not Organisation.objects.filter(name="批量").exists()

    type_ = ContentType.objects.get_for_model(Organisation)
    with audit.system("bulk test"), audit.bulk("bulk test"):
        made = Organisation.objects.bulk_create([
            Organisation(name=f"批量{i}", kind="enterprise", region=region,
                         credit_code=make_credit_code("9", "1", region.code, f"BK{i:07d}")) for i in range(3)])
        Organisation.objects.filter(pk__in=[o.pk for o in made]).update(address="新地址")
        Organisation.objects.filter(pk=made[0].pk).delete()
    entries = AuditLogEntry.objects.filter(content_type=type_, object_id__in=[str(o.pk) for o in made])
    assert entries.filter(action="create").count() == 3
    assert entries.filter(action="update").count() == 3
    assert entries.filter(action="update").first().changes["address"] == ["", "新地址"]
    assert entries.filter(action="delete").count() == 1
    assert all(e.actor_name == "system:bulk test" for e in entries)
    assert all(e.region_id == region.pk for e in entries)
