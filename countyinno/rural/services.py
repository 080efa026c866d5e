"""Every write for rural services: questions (knowledge base first, then an expert on the clock),
training enrolment, outreach registration and check-in, pairings."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from countyinno.core.audit import acting_as
from countyinno.core.errors import bilingual
from countyinno.engines.matching.bm25 import BM25
from countyinno.engines.matching.tokenize import tokens
from countyinno.engines.rules import ruleset_for
from countyinno.regions.models import Region
from countyinno.talent.models import Talent

from .models import Course, Enrolment, FarmerQuestion, KnowledgeEntry, OutreachEvent, Registration

IMAGE_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}


def rules():
    return ruleset_for("rural", timezone.localdate()).params


def best_knowledge(text: str, field: str) -> tuple[KnowledgeEntry | None, float]:
    """The knowledge entry BM25 ranks first, and how much of that entry's question the farmer's question
    covers (a measure that does not depend on how large the knowledge base is; at least 2 terms)."""
    entries = list(KnowledgeEntry.objects.filter(field=field)) or list(KnowledgeEntry.objects.all())
    if not entries:
        return None, 0.0
    index = BM25().fit([tokens(f"{e.question} {e.question} {e.answer}") for e in entries])
    query = tokens(text)
    hits = index.search(query, 1)
    if not hits:
        return None, 0.0
    entry = entries[hits[0][0]]
    known = set(tokens(entry.question))
    shared = set(query) & known
    return entry, (len(shared) / len(known) if len(shared) >= 2 else 0.0)


def route(question: FarmerQuestion) -> Talent | None:
    """The commissioner for the field with the fewest open questions, from the county, else the city."""
    candidates = Talent.objects.filter(user__isnull=False).annotate(
        open=Count("questions", filter=Q(questions__status=FarmerQuestion.Status.ROUTED)))
    candidates = [t for t in candidates if question.field in t.fields or any(question.field in f for f in t.fields)]
    for scope in (lambda t: t.home_unit.region_id == question.region_id,
                  lambda t: t.home_unit.region.city_id == question.region.city_id, lambda t: True):
        pool = [t for t in candidates if scope(t)]
        if pool:
            return min(pool, key=lambda t: (t.open, t.pk))
    return None


def _check_attachment(upload):
    if upload is None:
        return
    if upload.size > rules()["max_attachment_bytes"]:
        raise ValidationError({"attachment": bilingual(f"图片过大（{upload.size // 1024} KB），上限 2 MB",
                                                       f"the picture is too large ({upload.size // 1024} KB); 2 MB at most")})
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in IMAGE_MAGIC):
        raise ValidationError({"attachment": bilingual("只接受 JPEG 或 PNG 图片", "only JPEG or PNG pictures are accepted")})


@transaction.atomic
def ask(*, asker: str, phone: str, region: Region, field: str, text: str, channel: str = "web",
        attachment=None, actor=None) -> FarmerQuestion:
    errors = {}
    if not asker.strip():
        errors["asker"] = [bilingual("请填写姓名", "your name is required")]
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) != 11 or not digits.startswith("1"):
        errors["phone"] = [bilingual("请填写 11 位手机号", "an 11-digit mobile number is required")]
    if len(text.strip()) < 6:
        errors["text"] = [bilingual("请具体描述问题", "describe the problem")]
    if region.level != Region.Level.COUNTY:
        errors["region"] = [bilingual("请选择县（市、区）", "choose a county")]
    if errors:
        raise ValidationError(errors)
    _check_attachment(attachment)
    entry, overlap = best_knowledge(text, field)
    question = FarmerQuestion(asker=asker.strip(), phone=digits, region=region, field=field, text=text.strip(),
                              channel=channel, attachment=attachment or "")
    if entry is not None and overlap >= rules()["kb_min_overlap"]:
        question.status, question.knowledge, question.answer = FarmerQuestion.Status.ANSWERED_KB, entry, entry.answer
        question.answered_at = timezone.now()
    else:
        expert = route(question)
        if expert is None:
            question.status = FarmerQuestion.Status.UNROUTED
        else:
            now = timezone.now()
            question.status, question.expert, question.routed_at = FarmerQuestion.Status.ROUTED, expert, now
            question.due_at = now + datetime.timedelta(hours=rules()["answer_hours"])
    with acting_as(actor):
        question.save()
    return question


@transaction.atomic
def answer(*, actor, question: FarmerQuestion, text: str, promote: bool = False) -> FarmerQuestion:
    if question.expert is None or question.expert.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(bilingual("只有被指派的专家可以解答", "only the assigned expert may answer"))
    if question.status != FarmerQuestion.Status.ROUTED:
        raise ValidationError(bilingual("该问题已解答", "this question is already answered"))
    if len(text.strip()) < 6:
        raise ValidationError({"answer": bilingual("请写出解答", "write the answer")})
    with acting_as(actor):
        question.answer, question.answered_at, question.status = text.strip(), timezone.now(), FarmerQuestion.Status.ANSWERED
        question.save()
        if promote:  # good answers become knowledge-base entries
            KnowledgeEntry.objects.create(question=question.text[:300], answer=question.answer, field=question.field,
                                          source_question=question)
    return question


def can_see_phone(user, question: FarmerQuestion) -> bool:
    """Farmers' numbers are for the staff who answer them."""
    return bool(user and user.is_authenticated and question.expert and question.expert.user_id == user.pk)


def question_stats(user) -> list[dict]:
    rows = (FarmerQuestion.objects.restrict(user).values("region__code", "region__name")
            .annotate(total=Count("id"), by_kb=Count("id", filter=Q(status="answered_kb")),
                      by_expert=Count("id", filter=Q(status="answered")),
                      on_time=Count("id", filter=Q(status="answered", answered_at__lte=F("due_at"))),
                      waiting=Count("id", filter=Q(status__in=["routed", "unrouted"])))
            .order_by("region__code"))
    return list(rows)


# ------------------------------------------------------------------ training and outreach
def enrol(*, course: Course, name: str, phone: str) -> Enrolment:
    if course.enrolments.count() >= course.capacity:
        raise ValidationError(bilingual("名额已满", "the course is full"))
    try:
        with transaction.atomic():
            return Enrolment.objects.create(course=course, name=name.strip(), phone=phone.strip())
    except IntegrityError:
        raise ValidationError({"phone": bilingual("该手机号已报名本课程", "this number is already enrolled")})


def register(*, event: OutreachEvent, name: str, phone: str) -> Registration:
    if event.closed or timezone.now() > event.ends_at:
        raise ValidationError(bilingual("活动已结束，不能报名", "the event has ended"))
    if event.registrations.count() >= event.capacity:
        raise ValidationError(bilingual("名额已满", "the event is full"))
    try:
        with transaction.atomic():
            return Registration.objects.create(event=event, name=name.strip(), phone=phone.strip())
    except IntegrityError:
        raise ValidationError({"phone": bilingual("该手机号已报名", "this number is already registered")})


def check_in(*, registration: Registration, now: datetime.datetime | None = None) -> Registration:
    now = now or timezone.now()
    event = registration.event
    if event.closed or now > event.ends_at:
        raise ValidationError(bilingual("活动已结束，不能签到", "the event has closed; check-in is over"))
    if now < event.starts_at - datetime.timedelta(hours=2):
        raise ValidationError(bilingual("活动尚未开始", "the event has not started"))
    registration.checked_in_at = now
    registration.save(update_fields=["checked_in_at"])
    return registration


def county_service_counts(user) -> list[dict]:
    """Training attendance and outreach check-ins per county (a monitoring input)."""
    courses = dict(Enrolment.objects.restrict(user).filter(attended=True).values_list("course__region__code")
                   .annotate(n=Count("id")).values_list("course__region__code", "n"))
    events = dict(Registration.objects.restrict(user).exclude(checked_in_at=None).values_list("event__region__code")
                  .annotate(n=Count("id")).values_list("event__region__code", "n"))
    codes = sorted(set(courses) | set(events))
    return [{"code": c, "trained": courses.get(c, 0), "outreach": events.get(c, 0)} for c in codes]
