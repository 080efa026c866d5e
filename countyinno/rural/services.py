"""Every write for rural services, each a declared action: questions (knowledge base first, then an expert
on the clock), service stations, training, outreach registration and check-in, pairings."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.engines.matching.bm25 import BM25
from countyinno.engines.matching.tokenize import tokens
from countyinno.engines.rules import ruleset_for
from countyinno.regions.models import Region
from countyinno.talent.models import Talent

from . import permissions as perms
from .models import (Course, Enrolment, FarmerQuestion, KnowledgeEntry, OutreachEvent, Pairing, Registration,
                     ServiceStation)

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


def expert_candidates(question: FarmerQuestion) -> list[Talent]:
    """Commissioners with an account who cover the question's field, each with `open` routed questions."""
    candidates = Talent.objects.filter(user__isnull=False).select_related("home_unit__region").annotate(
        open=Count("questions", filter=Q(questions__status=FarmerQuestion.Status.ROUTED)))
    return [t for t in candidates if question.field in t.fields or any(question.field in f for f in t.fields)]


def pick_expert(question: FarmerQuestion) -> Talent | None:
    """The commissioner for the field with the fewest open questions, from the county, else the city."""
    candidates = expert_candidates(question)
    for scope in (lambda t: t.home_unit.region_id == question.region_id,
                  lambda t: t.home_unit.region.city_id == question.region.city_id, lambda t: True):
        pool = [t for t in candidates if scope(t)]
        if pool:
            return min(pool, key=lambda t: (t.open, t.pk))
    return None


def _put_on_the_clock(question: FarmerQuestion, expert: Talent) -> None:
    now = timezone.now()
    question.status, question.expert, question.routed_at = FarmerQuestion.Status.ROUTED, expert, now
    question.due_at = now + datetime.timedelta(hours=rules()["answer_hours"])


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


def _mobile(phone: str) -> str | None:
    digits = "".join(c for c in phone if c.isdigit())
    return digits if len(digits) == 11 and digits.startswith("1") else None


def _require_county(region: Region, errors: dict | None = None):
    message = bilingual("请选择县（市、区）", "choose a county")
    if region.level != Region.Level.COUNTY:
        if errors is None:
            raise ValidationError({"region": [message]})
        errors["region"] = [message]


# ------------------------------------------------------------------ questions
@action(permission=perms.can_ask_question, target="region", anonymous=True)
def ask_question(*, actor=None, asker: str, phone: str, region: Region, field: str, text: str,
                 attachment=None) -> FarmerQuestion:
    """A farmer's question from the public form (no actor) or entered by hotline staff (the actor)."""
    errors = {}
    if not asker.strip():
        errors["asker"] = [bilingual("请填写姓名", "your name is required")]
    digits = _mobile(phone)
    if digits is None:
        errors["phone"] = [bilingual("请填写 11 位手机号", "an 11-digit mobile number is required")]
    if len(text.strip()) < 6:
        errors["text"] = [bilingual("请具体描述问题", "describe the problem")]
    _require_county(region, errors)
    if errors:
        raise ValidationError(errors)
    _check_attachment(attachment)
    entry, overlap = best_knowledge(text, field)
    question = FarmerQuestion(asker=asker.strip(), phone=digits, region=region, field=field, text=text.strip(),
                              channel="hotline" if actor is not None else "web", attachment=attachment or "")
    if entry is not None and overlap >= rules()["kb_min_overlap"]:
        question.status, question.knowledge, question.answer = FarmerQuestion.Status.ANSWERED_KB, entry, entry.answer
        question.answered_at = timezone.now()
    else:
        expert = pick_expert(question)
        if expert is None:
            question.status = FarmerQuestion.Status.UNROUTED
        else:
            _put_on_the_clock(question, expert)
    question.save()
    return question


@action(permission=perms.can_route_question, target="question")
def route_question(*, actor, question: FarmerQuestion, expert: Talent | None = None) -> FarmerQuestion:
    """Send a waiting question to an expert (the least busy one for the field if none is named); the
    answer clock restarts."""
    if expert is None:
        expert = pick_expert(question)
        if expert is None:
            raise ValidationError(bilingual("没有覆盖该领域的专家", "no expert covers this field"))
    elif expert.user_id is None:
        raise ValidationError({"expert": bilingual("该专家没有平台账号，无法作答",
                                                   "this expert has no account and cannot answer")})
    _put_on_the_clock(question, expert)
    question.save()
    return question


@action(permission=perms.can_answer_question, target="question")
def answer_question(*, actor, question: FarmerQuestion, text: str, promote: bool = False) -> FarmerQuestion:
    if len(text.strip()) < 6:
        raise ValidationError({"answer": bilingual("请写出解答", "write the answer")})
    question.answer, question.answered_at = text.strip(), timezone.now()
    question.status = FarmerQuestion.Status.ANSWERED
    question.save()
    if promote:  # good answers become knowledge-base entries
        promote_answer(actor=actor, question=question)
    return question


@action(permission=perms.can_promote_answer, target="question")
def promote_answer(*, actor, question: FarmerQuestion) -> KnowledgeEntry:
    """An expert's answer becomes a knowledge-base entry that answers the next farmer at once."""
    if KnowledgeEntry.objects.filter(source_question=question).exists():
        raise ValidationError(bilingual("该解答已收入知识库", "this answer is already in the knowledge base"))
    return KnowledgeEntry.objects.create(question=question.text[:300], answer=question.answer, field=question.field,
                                         source_question=question)


def question_stats(user) -> list[dict]:
    rows = (FarmerQuestion.objects.restrict(user).values("region__code", "region__name")
            .annotate(total=Count("id"), by_kb=Count("id", filter=Q(status="answered_kb")),
                      by_expert=Count("id", filter=Q(status="answered")),
                      on_time=Count("id", filter=Q(status="answered", answered_at__lte=F("due_at"))),
                      waiting=Count("id", filter=Q(status__in=["routed", "unrouted"])))
            .order_by("region__code"))
    return list(rows)


# ------------------------------------------------------------------ service stations
@action(permission=perms.can_add_station, target="region")
def create_station(*, actor, region: Region, name: str, township: str) -> ServiceStation:
    _require_county(region)
    if not name.strip() or not township.strip():
        raise ValidationError(bilingual("请填写驿站名称和乡镇", "the station's name and township are required"))
    return ServiceStation.objects.create(name=name.strip(), township=township.strip(), region=region)


@action(permission=perms.can_change_station, target="station")
def set_station_experts(*, actor, station: ServiceStation, experts) -> ServiceStation:
    """Which commissioners serve at a station (a many-to-many change, recorded as one entry)."""
    before = sorted(station.experts.values_list("pk", flat=True))
    station.experts.set(experts)
    after = sorted(station.experts.values_list("pk", flat=True))
    if before != after:
        audit.record("update", station, {"experts": before}, {"experts": after})
    return station


# ------------------------------------------------------------------ training
@action(permission=perms.can_add_course, target="region")
def create_course(*, actor, region: Region, title: str, crop: str, season: str, session_date: datetime.date,
                  capacity: int = 50) -> Course:
    _require_county(region)
    if not title.strip():
        raise ValidationError({"title": bilingual("请填写课程名称", "the course title is required")})
    if capacity < 1:
        raise ValidationError({"capacity": bilingual("名额至少为 1", "the capacity must be at least 1")})
    return Course.objects.create(title=title.strip(), crop=crop, season=season, region=region,
                                 session_date=session_date, capacity=capacity)


@action(permission=perms.can_enrol_course, target="course", anonymous=True)
def enrol(*, actor=None, course: Course, name: str, phone: str) -> Enrolment:
    """A farmer signs up for a course (public form), or a desk enters them (the actor)."""
    if course.enrolments.count() >= course.capacity:
        raise ValidationError(bilingual("名额已满", "the course is full"))
    try:
        with transaction.atomic():
            return Enrolment.objects.create(course=course, name=name.strip(), phone=phone.strip())
    except IntegrityError:
        raise ValidationError({"phone": bilingual("该手机号已报名本课程", "this number is already enrolled")})


@action(permission=perms.can_record_attendance, target="enrolment")
def record_attendance(*, actor, enrolment: Enrolment, attended: bool = True) -> Enrolment:
    if attended and enrolment.course.session_date > timezone.localdate():
        raise ValidationError(bilingual("课程尚未开课，不能记到课", "the course has not taken place yet"))
    enrolment.attended = attended
    enrolment.save(update_fields=["attended"])
    return enrolment


@action(permission=perms.can_record_feedback, target="enrolment")
def record_feedback(*, actor, enrolment: Enrolment, score: int) -> Enrolment:
    """A trainee's rating of the course (1–5), collected at the session."""
    if not enrolment.attended:
        raise ValidationError(bilingual("未到课的学员不能评价", "only trainees who attended may rate the course"))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"feedback": bilingual("评分为 1–5 分", "the rating is 1 to 5")})
    enrolment.feedback = score
    enrolment.save(update_fields=["feedback"])
    return enrolment


# ------------------------------------------------------------------ outreach
@action(permission=perms.can_add_event, target="region")
def create_event(*, actor, region: Region, title: str, kind: str, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, online: bool = False, capacity: int = 200) -> OutreachEvent:
    _require_county(region)
    if kind not in OutreachEvent.Kind.values:
        raise ValidationError({"kind": bilingual("活动类型无效", "unknown kind of event")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": bilingual("结束时间须晚于开始时间", "the event must end after it starts")})
    return OutreachEvent.objects.create(title=title.strip(), kind=kind, region=region, online=online,
                                        starts_at=starts_at, ends_at=ends_at, capacity=capacity)


@action(permission=perms.can_register_event, target="event", anonymous=True)
def register(*, actor=None, event: OutreachEvent, name: str, phone: str) -> Registration:
    """A citizen signs up for an event (public form), or a desk enters them (the actor)."""
    if event.closed or timezone.now() > event.ends_at:
        raise ValidationError(bilingual("活动已结束，不能报名", "the event has ended"))
    if event.registrations.count() >= event.capacity:
        raise ValidationError(bilingual("名额已满", "the event is full"))
    try:
        with transaction.atomic():
            return Registration.objects.create(event=event, name=name.strip(), phone=phone.strip())
    except IntegrityError:
        raise ValidationError({"phone": bilingual("该手机号已报名", "this number is already registered")})


@action(permission=perms.can_check_in, target="registration")
def check_in(*, actor, registration: Registration, now: datetime.datetime | None = None) -> Registration:
    now = now or timezone.now()
    event = registration.event
    if event.closed or now > event.ends_at:
        raise ValidationError(bilingual("活动已结束，不能签到", "the event has closed; check-in is over"))
    if now < event.starts_at - datetime.timedelta(hours=2):
        raise ValidationError(bilingual("活动尚未开始", "the event has not started"))
    registration.checked_in_at = now
    registration.save(update_fields=["checked_in_at"])
    return registration


@action(permission=perms.can_close_event, target="event")
def close_event(*, actor, event: OutreachEvent) -> OutreachEvent:
    """No more registrations or check-ins."""
    event.closed = True
    event.save(update_fields=["closed"])
    return event


def county_service_counts(user) -> list[dict]:
    """Training attendance and outreach check-ins per county (a monitoring input)."""
    courses = dict(Enrolment.objects.restrict(user).filter(attended=True).values_list("course__region__code")
                   .annotate(n=Count("id")).values_list("course__region__code", "n"))
    events = dict(Registration.objects.restrict(user).exclude(checked_in_at=None).values_list("event__region__code")
                  .annotate(n=Count("id")).values_list("event__region__code", "n"))
    codes = sorted(set(courses) | set(events))
    return [{"code": c, "trained": courses.get(c, 0), "outreach": events.get(c, 0)} for c in codes]


# ------------------------------------------------------------------ pairings
def _clean_actions(actions) -> list[str]:
    cleaned = [str(a).strip() for a in (actions or []) if str(a).strip()]
    if not cleaned:
        raise ValidationError({"actions": bilingual("请至少填写一项帮扶举措", "name at least one measure")})
    return cleaned


@action(permission=perms.can_add_pairing, target="region")
def create_pairing(*, actor, region: Region, village: str, partner, agreement_on: datetime.date,
                   actions: list[str]) -> Pairing:
    """A village of a county paired with a park, firm or institute (the partner may be anywhere)."""
    _require_county(region)
    if not village.strip():
        raise ValidationError({"village": bilingual("请填写村名", "the village is required")})
    return Pairing.objects.create(village=village.strip(), region=region, partner=partner, agreement_on=agreement_on,
                                  actions=_clean_actions(actions))


@action(permission=perms.can_change_pairing, target="pairing")
def record_pairing_progress(*, actor, pairing: Pairing, actions: list[str] | None = None,
                            outcome: str | None = None) -> Pairing:
    """The measures taken and what came of them, reported by the partner or the county."""
    if actions is not None:
        pairing.actions = _clean_actions(actions)
    if outcome is not None:
        pairing.outcome = outcome.strip()
    pairing.save()
    return pairing
