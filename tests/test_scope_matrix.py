"""The cross-scope matrix for every model that carries a region or an organisation.

Each scoped model has a builder that places one object in county A (历下, enterprise A), one in county
C (市南, enterprise C) and, for region-only models, one in county B (市中). The same assertion then
checks every role. A new scoped model without a builder fails `test_every_scoped_model_is_covered`.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from countyinno.core import audit
from countyinno.core.scoping import ScopeRule

# Models whose matrix is proven elsewhere or that are not county-scoped.
ELSEWHERE = {
    "accounts.User": "accounts/tests/test_accounts.py::test_user_scoping (owner and colleagues)",
    "talent.DispatchPlan": "province-level: scoped to the province only",
}


def _framework_and_campaign():
    from countyinno.monitoring import services

    with audit.system("scope matrix fixture"):
        framework = services.publish_framework(actor=None, framework=services.create_framework(
            actor=None, code="M", name="矩阵", rows=services.default_framework_rows()))
        return framework, services.open_campaign(actor=None, year=2025, framework=framework,
                                                 deadline=datetime.date(2026, 3, 1))


def build(label, world, key):
    """One object of model `label` in county `key` ("a", "b" or "c")."""
    from countyinno.contracts.models import Payment, RegistrationPoint, TechContract, TechnologyManager
    from countyinno.core.models import AuditLogEntry, Job
    from countyinno.enterprises.models import Carrier, Certificate, Enterprise, EnterpriseYear, PoolMembership
    from countyinno.monitoring.models import (CountySubmission, IndexResult, IndexRun, ReviewComment,
                                              SubmissionValue)
    from countyinno.rural.models import Course, Enrolment, FarmerQuestion, OutreachEvent, Pairing, Registration
    from countyinno.accounts.models import Organisation
    from countyinno.techmarket.models import ConfidentialAccess, Listing, Negotiation, NegotiationMessage
    from countyinno.talent.models import (Assessment, Assignment, DispatchPlan, ServiceDemand, ServiceLog, Talent,
                                          WorkstationApplication)

    county = {"a": world.county_a, "b": world.county_b, "c": world.county_c}[key]
    org = {"a": world.enterprise_a, "c": world.enterprise_c}.get(key)
    cache = world.__dict__.setdefault("_matrix", {})

    def campaign():
        if "campaign" not in cache:
            cache["framework"], cache["campaign"] = _framework_and_campaign()
        return cache["campaign"]

    def enterprise():
        return Enterprise.objects.get_or_create(organisation=org, defaults={
            "industry": "C3911", "size": "small", "founded": datetime.date(2015, 1, 1)})[0]

    def negotiation():
        # A published listing of the county's firm and an interested firm with no users in the test world.
        listing = Listing.objects.create(kind="achievement", organisation=org, market_node=county, title="矩阵成果",
                                         summary="x", public_description="x", field="新材料", industry="C",
                                         valid_until=datetime.date(2030, 1, 1), status="published")
        party = Organisation.objects.create(name=f"矩阵意向方{key}", kind="enterprise", region=county)
        return Negotiation.objects.create(listing=listing, party=party, status="negotiating")

    def talent():
        return Talent.objects.get_or_create(name=f"矩阵人才{key}", home_unit=org)[0]

    def demand():
        return ServiceDemand.objects.get_or_create(requester=org, region=county, year=2026,
                                                   defaults={"problem": "矩阵测试需求", "fields": ["现代农业"]})[0]

    def assignment():
        plan = cache.get("plan") or DispatchPlan.objects.create(year=2026, province=world.province, status="published")
        cache["plan"] = plan
        return Assignment.objects.get_or_create(plan=plan, talent=talent(), demand=demand())[0]

    def contract():
        point = RegistrationPoint.objects.get_or_create(region=county, code="09", defaults={"name": f"点{key}"})[0]
        return TechContract.objects.create(point=point, seller=org, project_name="矩阵合同", category="development",
                                           subtype="entrusted", signed_on=datetime.date(2026, 2, 1), buyer_name="买方",
                                           buyer_credit_code="x", buyer_area_code="370783", total_amount=10,
                                           technical_amount=10, due_on=datetime.date(2026, 3, 3), status="registered")

    submission = lambda: CountySubmission.objects.get(campaign=campaign(), region=county)  # noqa: E731
    builders = {
        "core.AuditLogEntry": lambda: AuditLogEntry.objects.create(
            action="update", content_type=ContentType.objects.get_for_model(Job), object_id="1", object_repr="x",
            region=county, organisation=org),
        "core.Job": lambda: Job.objects.create(kind="core.selfcheck", region=county),
        "accounts.Organisation": lambda: org,
        "monitoring.CountySubmission": submission,
        "monitoring.SubmissionValue": lambda: SubmissionValue.objects.create(
            submission=submission(), node=cache["framework"].indicators().first(), value=1.0),
        "monitoring.ReviewComment": lambda: ReviewComment.objects.create(submission=submission(), from_status="draft",
                                                                         to_status="submitted"),
        "monitoring.IndexResult": lambda: IndexResult.objects.create(
            run=cache.get("run") or cache.setdefault("run", IndexRun.objects.create(campaign=campaign())),
            region=county, year=2025, index=50, rank=1),
        "enterprises.Enterprise": enterprise,
        "enterprises.EnterpriseYear": lambda: EnterpriseYear.objects.create(
            enterprise=enterprise(), year=2025, sales=1, total_income=1, total_assets=1, net_assets=1, staff_total=1,
            st_staff=0),
        "enterprises.Certificate": lambda: Certificate.objects.create(
            enterprise=enterprise(), kind="tsme", number=f"N{key}", issued=datetime.date(2025, 1, 1),
            valid_until=datetime.date(2026, 1, 1)),
        "enterprises.PoolMembership": lambda: PoolMembership.objects.create(enterprise=enterprise(), region=county,
                                                                            year_joined=2025),
        "enterprises.Carrier": lambda: Carrier.objects.create(name=f"孵化器{key}", kind="incubator", level="county",
                                                              region=county, recognised=datetime.date(2020, 1, 1)),
        "contracts.TechContract": contract,
        "contracts.Payment": lambda: Payment.objects.create(contract=contract(), paid_on=datetime.date(2026, 3, 1),
                                                            amount=1),
        "contracts.TechnologyManager": lambda: TechnologyManager.objects.create(name=f"经理人{key}", organisation=org),
        "talent.Talent": talent,
        "talent.ServiceDemand": demand,
        "talent.Assignment": assignment,
        "talent.ServiceLog": lambda: ServiceLog.objects.create(assignment=assignment(),
                                                               visited_on=datetime.date(2026, 3, 1), content="x"),
        "talent.Assessment": lambda: Assessment.objects.create(talent=talent(), year=2026, service=1, effect=1,
                                                               satisfaction=1, total=1, grade="合格"),
        "techmarket.Listing": lambda: Listing.objects.create(  # a draft: published ones are public by design
            kind="demand", organisation=org, market_node=county, title="矩阵需求", summary="x", public_description="x",
            field="新材料", industry="C", valid_until=datetime.date(2030, 1, 1)),
        "techmarket.ConfidentialAccess": lambda: ConfidentialAccess.objects.create(listing=Listing.objects.create(
            kind="achievement", organisation=org, market_node=county, title="矩阵成果", summary="x",
            public_description="x", field="新材料", industry="C", valid_until=datetime.date(2030, 1, 1)),
            organisation=world.enterprise_a2, approved=True),
        "techmarket.Negotiation": negotiation,
        "techmarket.NegotiationMessage": lambda: NegotiationMessage.objects.create(negotiation=negotiation(),
                                                                                   organisation=org, body="x"),
        "rural.FarmerQuestion": lambda: FarmerQuestion.objects.create(
            asker="农户", phone="13800000000", region=county, field="小麦", text="问题", status="unrouted"),
        "rural.Enrolment": lambda: Enrolment.objects.create(course=Course.objects.create(
            title="课", crop="小麦", season="春", region=county, session_date=datetime.date(2026, 3, 1)),
            name="学员", phone=f"1390000000{key}"),
        "rural.Registration": lambda: Registration.objects.create(event=OutreachEvent.objects.create(
            title="活动", kind="week", region=county, starts_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.timezone.utc),
            ends_at=datetime.datetime(2026, 5, 2, tzinfo=datetime.timezone.utc)), name="市民", phone="137"),
        "rural.Pairing": lambda: Pairing.objects.create(village="东村", region=county, partner=org,
                                                        agreement_on=datetime.date(2026, 1, 1)),
        "talent.WorkstationApplication": lambda: WorkstationApplication.objects.create(
            host=org, kind="expert", expert_name="专家", months_per_year=3),
    }
    with audit.system("scope matrix fixture"), audit.bulk("scope matrix fixture"):
        return builders[label]()


def scoped_models():
    out = []
    for model in apps.get_models():
        rule = getattr(model, "scope", None)
        if isinstance(rule, ScopeRule) and not rule.public_view and (rule.region is not None or rule.organisation is not None):
            out.append(model._meta.label)
    return sorted(out)


MATRIX = [label for label in scoped_models() if label not in ELSEWHERE]


def test_every_scoped_model_is_covered(world):
    missing = []
    for label in MATRIX:
        try:
            build(label, world, "a")
        except KeyError:
            missing.append(label)
    assert not missing, f"scoped models without a scope-matrix builder: {missing}"


@pytest.mark.parametrize("label", MATRIX)
def test_scope_matrix(world, label):
    model = apps.get_model(label)
    rule = model.scope
    org_scoped = rule.organisation is not None
    keys = ("a", "c") if org_scoped else ("a", "b", "c")  # county B has no enterprise in the test world
    objects = {key: build(label, world, key) for key in keys}
    members = {"member_a": {"a"}, "member_c": {"c"}} if org_scoped else {}
    world.assert_scoping(model, objects, members=members)
    anonymous = model.objects.restrict(None)
    assert not anonymous.exists()


def _actions_of(model):
    from countyinno.core.permissions import all_predicates

    declared = {p.action for p in all_predicates().values() if p.model is not None and p.action
                and issubclass(model, p.model)}
    return sorted({"view", "change", "delete"} | declared)


# Which of the objects (keys) each non-admin may reach at most, for any action.
MEMBER_REACH = {"member_a": {"a"}, "member_a2": set(), "member_c": {"c"}, "talent_a": set()}


@pytest.mark.parametrize("label", MATRIX)
def test_every_action_stays_inside_the_users_area(world, label):
    """For every role (individual talents included) and every action the model has — view, change,
    delete and each workflow action declared by a predicate — `restrict(user, action)`:
    never reaches outside the user's area or organisation, never exceeds what the user may view, and
    agrees object by object with the predicate that services, API and templates ask."""
    from countyinno.core.permissions import for_model_action
    from countyinno.core.scoping import can

    model = apps.get_model(label)
    org_scoped = model.scope.organisation is not None
    keys = ("a", "c") if org_scoped else ("a", "b", "c")
    objects = {key: build(label, world, key) for key in keys}
    failures = []
    for action in _actions_of(model):
        for who, user in world.users.items():
            allowed = set(model.objects.restrict(user, action).values_list("pk", flat=True))
            visible = set(model.objects.restrict(user, "view").values_list("pk", flat=True))
            reach = world.REGION_EXPECTATIONS.get(who)
            if reach is None:
                reach = MEMBER_REACH[who]
            for key, obj in objects.items():
                if obj.pk in allowed and action != "view" and obj.pk not in visible:
                    failures.append(f"{who} may {action} {key} without seeing it")
                if obj.pk in allowed and key not in reach and action != "view":
                    failures.append(f"{who} may {action} {key}, outside their area")
                if for_model_action(model, action) is not None and can(user, action, obj) != (obj.pk in allowed):
                    failures.append(f"{who}: predicate and restrict() disagree on {action} {key}")
    assert not failures, f"{label}:\n" + "\n".join(failures)


@pytest.mark.parametrize("label", [label for label in MATRIX if apps.get_model(label).scope.organisation is not None])
def test_an_employed_talent_has_no_organisation_rights(world, label):
    """A 科技特派员 employed by enterprise A acts as a person: nothing of A's through the organisation."""
    from countyinno.accounts.models import Role, User

    talent = User.objects.create(username="t-employed-talent", role=Role.TALENT, organisation=world.enterprise_a)
    model = apps.get_model(label)
    obj = build(label, world, "a")
    owned = model.scope.owner is not None and model.objects.filter(
        pk=obj.pk, **{(f"{model.scope.owner}__pk" if model.scope.owner else "pk"): talent.pk}).exists()
    for action in _actions_of(model):
        reachable = model.objects.restrict(talent, action).filter(pk=obj.pk).exists()
        public = action == "view" and (model.scope.public_view or bool(model.scope.public_filter))
        assert not reachable or owned or public, f"an employed talent may {action} {label} of the employer"
