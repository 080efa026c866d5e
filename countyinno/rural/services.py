"""Every write for rural services, each a declared action: questions (knowledge base first, then an expert
on the clock), service stations, training, outreach registration and check-in, pairings."""

from __future__ import annotations

import datetime
import hmac
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from countyinno.accounts.models import User
from countyinno.core import audit
from countyinno.core.actions import action
from countyinno.core.errors import bilingual
from countyinno.core.notifications import notify
from countyinno.engines.matching.bm25 import BM25
from countyinno.engines.matching.tokenize import tokens
from countyinno.engines.rules import ruleset_for
from countyinno.regions.models import Region
from countyinno.talent.models import Talent

from . import clock
from . import permissions as perms
from .models import (CountyPairing, Course, Enrolment, FarmerQuestion, KnowledgeEntry, OutreachEvent, Pairing,
                     PairingActivity, Registration, ServiceStation)

IMAGE_MAGIC = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png"}

# Anonymous forms are throttled by source address and by phone number (hotline staff are not).
QUESTIONS_PER_IP = 5
QUESTIONS_PER_IP_WINDOW = datetime.timedelta(minutes=10)
QUESTIONS_PER_PHONE = 3
QUESTIONS_PER_PHONE_WINDOW = datetime.timedelta(hours=1)
SIGNUPS_PER_IP = 10  # course enrolments and event registrations together
SIGNUPS_PER_IP_WINDOW = datetime.timedelta(minutes=10)
LOOKUP_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I
LOOKUP_CODE_LENGTH = 6


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


def all_expert_candidates(question: FarmerQuestion) -> list[Talent]:
    """Every commissioner with an account, nearest to the question's county first (for manual assignment
    when nobody covers the field)."""
    candidates = Talent.objects.filter(user__isnull=False).select_related("home_unit__region").annotate(
        open=Count("questions", filter=Q(questions__status=FarmerQuestion.Status.ROUTED)))

    def distance(t):
        region = t.home_unit.region if t.home_unit else None
        if region is not None and region.pk == question.region_id:
            return 0
        if region is not None and region.city_id == question.region.city_id:
            return 1
        return 2

    return sorted(candidates, key=lambda t: (distance(t), t.open, t.pk))


def pick_expert(question: FarmerQuestion) -> Talent | None:
    """The commissioner for the field with the fewest open questions, from the county, else the city."""
    candidates = expert_candidates(question)
    for scope in (lambda t: t.home_unit.region_id == question.region_id,
                  lambda t: t.home_unit.region.city_id == question.region.city_id, lambda t: True):
        pool = [t for t in candidates if scope(t)]
        if pool:
            return min(pool, key=lambda t: (t.open, t.pk))
    return None


def answer_deadline(start: datetime.datetime) -> datetime.datetime:
    """The answer clock: the rule set's hours, counted on working days only."""
    return clock.add_working_hours(start, rules()["answer_hours"])


def _put_on_the_clock(question: FarmerQuestion, expert: Talent) -> None:
    now = timezone.now()
    question.status, question.expert, question.routed_at = FarmerQuestion.Status.ROUTED, expert, now
    question.due_at = answer_deadline(now)


def _question_url(question: FarmerQuestion) -> str:
    from django.urls import reverse

    return reverse("rural:answer-page", args=[question.pk])


def _tell_expert(question: FarmerQuestion) -> None:
    if question.expert is not None and question.expert.user is not None:
        notify([question.expert.user], kind="rural.question_assigned",
               title=bilingual(f"农技问题待您解答（{question.field}）", f"a farmer's question for you ({question.field})"),
               body=question.text[:200], url=_question_url(question))


def admins_at_level(question: FarmerQuestion, level: str) -> list:
    """The science-bureau administrators of the question's county, city or province who may assign it."""
    region = question.region
    area = {FarmerQuestion.Level.COUNTY: region.pk, FarmerQuestion.Level.CITY: region.city_id,
            FarmerQuestion.Level.PROVINCE: region.province_id}[level]
    candidates = User.objects.filter(region_id=area, is_active=True).select_related("region")
    return [u for u in candidates if getattr(u, "admin_level", None) == level and perms.can_route_question(u, question)]


def _throttle(ip: str | None, digits: str | None) -> None:
    now = timezone.now()
    recent = FarmerQuestion.objects.filter(channel="web")
    if ip and recent.filter(source_ip=ip, created_at__gte=now - QUESTIONS_PER_IP_WINDOW).count() >= QUESTIONS_PER_IP:
        raise ValidationError(bilingual(
            f"提交过于频繁：同一网络 {QUESTIONS_PER_IP_WINDOW.seconds // 60} 分钟内最多提问 {QUESTIONS_PER_IP} 次，请稍后再试，"
            "或拨打 12396 热线",
            f"too many questions from this network: at most {QUESTIONS_PER_IP} in "
            f"{QUESTIONS_PER_IP_WINDOW.seconds // 60} minutes; please try again later or call 12396"))
    if digits and recent.filter(phone=digits, created_at__gte=now - QUESTIONS_PER_PHONE_WINDOW).count() \
            >= QUESTIONS_PER_PHONE:
        raise ValidationError({"phone": [bilingual(
            f"该手机号 1 小时内已提问 {QUESTIONS_PER_PHONE} 次，请稍后再问，或用查询码查看已提的问题",
            f"this number has asked {QUESTIONS_PER_PHONE} questions in the last hour; please wait, or look up "
            "your questions with their codes")]})


def _new_lookup_code() -> str:
    return "".join(secrets.choice(LOOKUP_CODE_ALPHABET) for _ in range(LOOKUP_CODE_LENGTH))


LOOKUPS_PER_IP = 10
LOOKUPS_PER_IP_WINDOW = datetime.timedelta(minutes=10)


def check_lookup_rate(ip: str | None) -> None:
    """Look-ups by number and code (questions, certificates) are limited per source address, so codes
    cannot be guessed by trying many."""
    from django.core.cache import cache

    if not ip:
        return
    key, window = f"rural:lookup:{ip}", int(LOOKUPS_PER_IP_WINDOW.total_seconds())
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    if count > LOOKUPS_PER_IP:
        raise ValidationError(bilingual(
            f"查询过于频繁：{window // 60} 分钟内最多查询 {LOOKUPS_PER_IP} 次，请稍后再试",
            f"too many look-ups: at most {LOOKUPS_PER_IP} in {window // 60} minutes; please try again later"))


def find_question(phone: str, code: str) -> FarmerQuestion | None:
    """The asker's question by their mobile number and the code shown when they asked."""
    digits, code = _mobile(phone or ""), (code or "").strip().upper()
    if digits is None or len(code) != LOOKUP_CODE_LENGTH:
        return None
    for question in FarmerQuestion.objects.filter(phone=digits).exclude(lookup_code=""):
        if hmac.compare_digest(question.lookup_code, code):
            return question
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
                 attachment=None, source_ip: str | None = None) -> FarmerQuestion:
    """A farmer's question from the public form (no actor; throttled per source address and per number)
    or entered by hotline staff (the actor). The asker gets a look-up code and the expected answer time;
    the answer clock runs from now in working hours."""
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
    if actor is None:
        _throttle(source_ip, digits)
    _check_attachment(attachment)
    entry, overlap = best_knowledge(text, field)
    question = FarmerQuestion(asker=asker.strip(), phone=digits, region=region, field=field, text=text.strip(),
                              channel="hotline" if actor is not None else "web", attachment=attachment or "",
                              lookup_code=_new_lookup_code(), source_ip=source_ip)
    if entry is not None and overlap >= rules()["kb_min_overlap"]:
        question.status, question.knowledge, question.answer = FarmerQuestion.Status.ANSWERED_KB, entry, entry.answer
        question.answered_at = timezone.now()
    else:
        expert = pick_expert(question)
        if expert is None:
            question.status = FarmerQuestion.Status.UNROUTED
            question.due_at = answer_deadline(timezone.now())
        else:
            _put_on_the_clock(question, expert)
    question.save()
    if question.status == FarmerQuestion.Status.ROUTED:
        _tell_expert(question)
    elif question.status == FarmerQuestion.Status.UNROUTED:
        notify(admins_at_level(question, FarmerQuestion.Level.COUNTY), kind="rural.question_unassigned",
               title=bilingual(f"新农技问题待分派专家（{question.field}）", f"a new question needs an expert ({question.field})"),
               body=question.text[:200], url=_question_url(question))
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
    previous = question.expert if question.status == FarmerQuestion.Status.ROUTED else None
    if previous is not None and previous.pk == expert.pk:
        raise ValidationError({"expert": bilingual("问题已由该专家负责，请选择另一位专家",
                                                   "this expert already has the question; choose another")})
    _put_on_the_clock(question, expert)
    question.save()
    _tell_expert(question)
    if previous is not None and previous.user is not None:
        notify([previous.user], kind="rural.question_reassigned",
               title=bilingual("问题已改派其他专家", "a question was reassigned to another expert"),
               body=question.text[:200], url="")
    return question


NEXT_LEVEL = {FarmerQuestion.Level.COUNTY: FarmerQuestion.Level.CITY,
              FarmerQuestion.Level.CITY: FarmerQuestion.Level.PROVINCE}


@action(permission=perms.can_escalate_question, target="question")
def escalate_question(*, actor, question: FarmerQuestion, now: datetime.datetime | None = None) -> FarmerQuestion:
    """An overdue question goes up one level (county → city → province); that level's administrators and
    the expert are told. The periodic task does this on its own; an administrator may do it by hand."""
    now = now or timezone.now()
    if not question.is_overdue(now):
        raise ValidationError(bilingual("问题尚未超期，不必升级", "the question is not overdue"))
    question.level = NEXT_LEVEL[question.level]
    question.escalated_at = now
    question.save(update_fields=["level", "escalated_at", "updated_at"])
    title = bilingual(f"超期农技问题已升级至{question.get_level_display().split()[0]}督办",
                      f"an overdue farmer's question was escalated to the {question.level} level")
    notify(admins_at_level(question, question.level), kind="rural.question_escalated", title=title,
           body=question.text[:200], url=_question_url(question))
    if question.expert is not None and question.expert.user is not None:
        notify([question.expert.user], kind="rural.question_overdue",
               title=bilingual("您负责的农技问题已超期", "a question you were assigned is overdue"),
               body=question.text[:200], url=_question_url(question))
    return question


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """Escalate every overdue open question that has waited one more answer period at its level."""
    now = now or timezone.now()
    hours = Decimal(rules()["answer_hours"])
    done = 0
    overdue = (FarmerQuestion.objects.filter(perms.OPEN_QUESTION, due_at__lt=now)
               .exclude(level=FarmerQuestion.Level.PROVINCE).select_related("region", "expert__user"))
    for question in overdue:
        if question.escalated_at is not None and clock.working_hours_between(question.escalated_at, now) < hours:
            continue
        escalate_question(actor=None, question=question, now=now)
        done += 1
    return done


def clock_view(question: FarmerQuestion, now: datetime.datetime | None = None) -> dict | None:
    """What the pages show of the answer clock: working hours (and days) left or overdue."""
    if question.due_at is None or not question.is_open:
        return None
    now = now or timezone.now()
    left = clock.working_hours_between(now, question.due_at)
    hours, days = clock.describe(abs(left))
    return {"overdue": left < 0, "hours": hours, "days": days, "due_at": question.due_at,
            "calendar_known": clock.schedule_known(timezone.localtime(question.due_at).date())}


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
def _signup_checks(name: str, phone: str, source_ip: str | None, actor) -> str:
    """Name and mobile number of a public sign-up; anonymous sign-ups are throttled per source address."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = [bilingual("请填写姓名", "your name is required")]
    digits = _mobile(phone or "")
    if digits is None:
        errors["phone"] = [bilingual("请填写 11 位手机号", "an 11-digit mobile number is required")]
    if errors:
        raise ValidationError(errors)
    if actor is None and source_ip:
        since = timezone.now() - SIGNUPS_PER_IP_WINDOW
        recent = audit_signups(source_ip, since)
        if recent >= SIGNUPS_PER_IP:
            raise ValidationError(bilingual(
                f"提交过于频繁：同一网络 {SIGNUPS_PER_IP_WINDOW.seconds // 60} 分钟内最多报名 {SIGNUPS_PER_IP} 次，请稍后再试",
                f"too many sign-ups from this network: at most {SIGNUPS_PER_IP} in "
                f"{SIGNUPS_PER_IP_WINDOW.seconds // 60} minutes; please try again later"))
    return digits


def audit_signups(ip: str, since: datetime.datetime) -> int:
    """Anonymous sign-ups from one address since a moment, as the audit log recorded them."""
    from countyinno.core.models import AuditLogEntry

    return AuditLogEntry.objects.filter(action="create", actor=None, source_ip=ip, timestamp__gte=since,
                                        operation__in=["rural.enrol", "rural.register"]).count()


def _check_course(title: str, session_date, capacity: int) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = [bilingual("请填写课程名称", "the course title is required")]
    if capacity is None or capacity < 1:
        errors["capacity"] = [bilingual("名额至少为 1", "the capacity must be at least 1")]
    if session_date is None:
        errors["session_date"] = [bilingual("请填写授课日期", "the date is required")]
    if errors:
        raise ValidationError(errors)


@action(permission=perms.can_add_course, target="region")
def create_course(*, actor, region: Region, title: str, crop: str, season: str, session_date: datetime.date,
                  capacity: int = 50, venue: str = "") -> Course:
    """A course run by the county (or the city or province for a county in its area)."""
    _require_county(region)
    _check_course(title, session_date, capacity)
    return Course.objects.create(title=title.strip(), crop=crop, season=season, region=region, venue=venue.strip(),
                                 session_date=session_date, capacity=capacity)


def _provider_county(organisation) -> Region:
    region = organisation.region
    if region.level != Region.Level.COUNTY:
        raise ValidationError(bilingual("机构所在地须为县（市、区）", "the organisation must be located in a county"))
    return region


@action(permission=perms.can_offer_course, target="organisation")
def offer_course(*, actor, organisation, title: str, crop: str, season: str, session_date: datetime.date,
                 capacity: int = 50, venue: str = "") -> Course:
    """A course run by a training provider, in the provider's own county."""
    _check_course(title, session_date, capacity)
    return Course.objects.create(title=title.strip(), crop=crop, season=season, region=_provider_county(organisation),
                                 organiser=organisation, venue=venue.strip(), session_date=session_date,
                                 capacity=capacity)


@action(permission=perms.can_enrol_course, target="course", anonymous=True)
def enrol(*, actor=None, course: Course, name: str, phone: str, source_ip: str | None = None) -> Enrolment:
    """A farmer signs up for a course (public form), or a desk enters them (the actor)."""
    digits = _signup_checks(name, phone, source_ip, actor)
    if actor is None and course.session_date < timezone.localdate():  # a desk may still enter late sign-ups
        raise ValidationError(bilingual("课程已结束，不能报名", "the course has already taken place"))
    if course.enrolments.count() >= course.capacity:
        raise ValidationError(bilingual("名额已满", "the course is full"))
    try:
        with transaction.atomic():
            return Enrolment.objects.create(course=course, name=name.strip(), phone=digits)
    except IntegrityError:
        raise ValidationError({"phone": bilingual("该手机号已报名本课程", "this number is already enrolled")})


@action(permission=perms.can_record_attendance, target="enrolment")
def record_attendance(*, actor, enrolment: Enrolment, attended: bool = True) -> Enrolment:
    if attended and enrolment.course.session_date > timezone.localdate():
        raise ValidationError(bilingual("课程尚未开课，不能记到课", "the course has not taken place yet"))
    if not attended and enrolment.certificate:
        raise ValidationError(bilingual("已发结业证书，不能取消到课", "a certificate was issued; attendance stays"))
    enrolment.attended = attended
    enrolment.save(update_fields=["attended"])
    return enrolment


@action(permission=perms.can_record_feedback, target="enrolment")
def record_feedback(*, actor, enrolment: Enrolment, score: int, note: str = "") -> Enrolment:
    """A trainee's rating of the course (1–5) and an optional remark, collected at the session."""
    if not enrolment.attended:
        raise ValidationError(bilingual("未到课的学员不能评价", "only trainees who attended may rate the course"))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"feedback": bilingual("评分为 1–5 分", "the rating is 1 to 5")})
    enrolment.feedback, enrolment.feedback_note = score, (note or "").strip()[:300]
    enrolment.save(update_fields=["feedback", "feedback_note"])
    return enrolment


@action(permission=perms.can_issue_certificate, target="enrolment")
def issue_certificate(*, actor, enrolment: Enrolment) -> Enrolment:
    """A numbered certificate of completion for a trainee who attended (once)."""
    course = enrolment.course
    today = timezone.localdate()
    enrolment.certificate = f"NK{course.session_date.year}{course.region.code}-{course.pk:04d}-{enrolment.pk:05d}"
    enrolment.certificate_issued_on = today
    enrolment.save(update_fields=["certificate", "certificate_issued_on"])
    return enrolment


def find_certificate(number: str, phone: str) -> Enrolment | None:
    """A trainee finds their certificate by its number and their mobile number."""
    digits, number = _mobile(phone or ""), (number or "").strip().upper()
    if digits is None or not number:
        return None
    return Enrolment.objects.select_related("course__region", "course__organiser").filter(
        certificate=number, phone=digits).first()


# ------------------------------------------------------------------ outreach
def _check_event(title: str, kind: str, starts_at, ends_at, capacity: int) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = [bilingual("请填写活动名称", "the title is required")]
    if kind not in OutreachEvent.Kind.values:
        errors["kind"] = [bilingual("活动类型无效", "unknown kind of event")]
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = [bilingual("结束时间须晚于开始时间", "the event must end after it starts")]
    if capacity is None or capacity < 1:
        errors["capacity"] = [bilingual("名额至少为 1", "the capacity must be at least 1")]
    if errors:
        raise ValidationError(errors)


@action(permission=perms.can_add_event, target="region")
def create_event(*, actor, region: Region, title: str, kind: str, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, online: bool = False, capacity: int = 200,
                 venue: str = "") -> OutreachEvent:
    _require_county(region)
    _check_event(title, kind, starts_at, ends_at, capacity)
    return OutreachEvent.objects.create(title=title.strip(), kind=kind, region=region, online=online,
                                        venue=venue.strip(), starts_at=starts_at, ends_at=ends_at, capacity=capacity)


@action(permission=perms.can_offer_course, target="organisation", name="rural.offer_event")
def offer_event(*, actor, organisation, title: str, kind: str, starts_at: datetime.datetime,
                ends_at: datetime.datetime, online: bool = False, capacity: int = 200,
                venue: str = "") -> OutreachEvent:
    """An outreach event run by a training provider, in the provider's own county."""
    _check_event(title, kind, starts_at, ends_at, capacity)
    return OutreachEvent.objects.create(title=title.strip(), kind=kind, region=_provider_county(organisation),
                                        organiser=organisation, online=online, venue=venue.strip(),
                                        starts_at=starts_at, ends_at=ends_at, capacity=capacity)


@action(permission=perms.can_register_event, target="event", anonymous=True)
def register(*, actor=None, event: OutreachEvent, name: str, phone: str,
             source_ip: str | None = None) -> Registration:
    """A citizen signs up for an event (public form), or a desk enters them (the actor)."""
    digits = _signup_checks(name, phone, source_ip, actor)
    if event.closed or timezone.now() > event.ends_at:
        raise ValidationError(bilingual("活动已结束，不能报名", "the event has ended"))
    if event.registrations.count() >= event.capacity:
        raise ValidationError(bilingual("名额已满", "the event is full"))
    try:
        with transaction.atomic():
            return Registration.objects.create(event=event, name=name.strip(), phone=digits)
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
    if registration.checked_in_at is not None:
        raise ValidationError(bilingual("已签到", "already checked in"))
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


# ------------------------------------------------------------------ county pairings (强县帮弱县, policy 三(一), 五)
PAIRING_SHARE = 3  # the top third of the latest index are strong counties, the bottom third weak ones
MAX_HELPED_PER_STRONG = 2


def latest_index_results():
    """The latest published (successful) index run and its results for the campaign year, read-only."""
    from countyinno.monitoring.indexing import latest_run
    from countyinno.monitoring.models import IndexResult
    from countyinno.monitoring.results import dimensions_of

    run = latest_run()
    if run is None:
        return None, [], []
    results = list(IndexResult.objects.filter(run=run, year=run.campaign.year).exclude(index=None)
                   .select_related("region", "region__city").order_by("rank", "region__code"))
    return run, results, dimensions_of(run)


def pairing_suggestions(user, limit: int = 60) -> dict:
    """Strong/weak county pairs proposed from the latest published index: for each weak county the user may
    propose for, the strongest county by the composite index (same city first) and the strongest county in
    the weak county's weakest dimension. Counties already in a pairing as the weak side are left out."""
    run, results, dimensions = latest_index_results()
    if not results:
        return {"run": None, "rows": []}
    third = max(len(results) // PAIRING_SHARE, 1)
    strong, weak = results[:third], results[-third:]
    taken = set(CountyPairing.objects.exclude(status=CountyPairing.Status.ENDED).values_list("weak_id", flat=True))
    helping: dict[int, int] = {}
    for strong_id in CountyPairing.objects.exclude(status=CountyPairing.Status.ENDED).values_list("strong_id",
                                                                                                  flat=True):
        helping[strong_id] = helping.get(strong_id, 0) + 1
    names = {d.code: d.name for d in dimensions}
    rows = []
    for w in reversed(weak):
        if w.region_id in taken or not perms.can_propose_county_pairing(user, w.region):
            continue
        free = [s for s in strong if helping.get(s.region_id, 0) < MAX_HELPED_PER_STRONG] or strong
        same_city = [s for s in free if s.region.city_id == w.region.city_id]
        overall = (same_city or free)[0]
        row = {"weak": w, "strong": overall, "basis": bilingual("综合指数", "composite index"), "dimension": ""}
        rows.append(row)
        if w.scores:
            scored = {k: v for k, v in w.scores.items() if v is not None and k in names}
            if scored:
                low = min(scored, key=lambda k: scored[k])
                best = max(free, key=lambda s: (s.scores.get(low) or 0, s.region.city_id == w.region.city_id))
                if best.region_id != overall.region_id:
                    rows.append({"weak": w, "strong": best, "dimension": low,
                                 "basis": bilingual(f"维度：{names[low]}", f"dimension: {names[low]}")})
        if len(rows) >= limit:
            break
    return {"run": run, "rows": rows}


def _pairing_admins(pairing: CountyPairing) -> list:
    return list(User.objects.filter(region__in=[pairing.strong_id, pairing.weak_id], is_active=True)
                .select_related("region"))


@action(permission=perms.can_propose_county_pairing, target="weak")
def propose_county_pairing(*, actor, weak: Region, strong: Region, basis: str, focus: str = "",
                           run=None) -> CountyPairing:
    """Propose that a stronger county helps a weaker one; both counties' administrators are asked to agree."""
    errors = {}
    for key, county in (("weak", weak), ("strong", strong)):
        if county.level != Region.Level.COUNTY:
            errors[key] = [bilingual("请选择县（市、区）", "choose a county")]
    if not errors and weak.pk == strong.pk:
        errors["strong"] = [bilingual("帮扶县与受援县不能相同", "a county cannot be paired with itself")]
    if errors:
        raise ValidationError(errors)
    live = CountyPairing.objects.exclude(status=CountyPairing.Status.ENDED)
    if live.filter(weak=weak, strong=strong).exists():
        raise ValidationError(bilingual("这两个县已有结对（或待确认的提议）",
                                        "these two counties are already paired or proposed"))
    pairing = CountyPairing.objects.create(strong=strong, weak=weak, basis=(basis or "").strip()[:100] or "—",
                                           focus=(focus or "").strip()[:200], run=run, proposed_by=actor)
    recipients = [u for u in _pairing_admins(pairing) if perms.can_confirm_county_pairing(u, pairing)]
    notify(recipients, kind="rural.pairing_proposed",
           title=bilingual(f"结对帮扶提议：{strong.name} 帮扶 {weak.name}，请确认",
                           f"pairing proposed: {strong.name} helps {weak.name}; please confirm"),
           url=_pairing_url(pairing))
    return pairing


def _pairing_url(pairing: CountyPairing) -> str:
    from django.urls import reverse

    return reverse("rural:county-pairing", args=[pairing.pk])


@action(permission=perms.can_confirm_county_pairing, target="pairing")
def confirm_county_pairing(*, actor, pairing: CountyPairing) -> CountyPairing:
    """One county's administrator agrees for their county; once both have, the pairing is in force."""
    now = timezone.now()
    if actor is not None and actor.region_id == pairing.strong_id and pairing.strong_confirmed_at is None:
        pairing.strong_confirmed_at, pairing.strong_confirmed_by = now, actor
    elif actor is not None and actor.region_id == pairing.weak_id and pairing.weak_confirmed_at is None:
        pairing.weak_confirmed_at, pairing.weak_confirmed_by = now, actor
    else:
        raise ValidationError(bilingual("本县已确认", "your county has already confirmed"))
    if pairing.strong_confirmed_at and pairing.weak_confirmed_at:
        pairing.status = CountyPairing.Status.ACTIVE
    pairing.save()
    if pairing.status == CountyPairing.Status.ACTIVE:
        notify(_pairing_admins(pairing), kind="rural.pairing_active",
               title=bilingual(f"结对帮扶生效：{pairing.strong.name} 帮扶 {pairing.weak.name}",
                               f"pairing in force: {pairing.strong.name} helps {pairing.weak.name}"),
               url=_pairing_url(pairing))
    return pairing


@action(permission=perms.can_log_pairing_activity, target="pairing")
def log_pairing_activity(*, actor, pairing: CountyPairing, happened_on: datetime.date, title: str,
                         note: str = "") -> PairingActivity:
    """What the two counties did together (a visit, a training, a joint project), recorded by either."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = [bilingual("请填写活动名称", "the activity is required")]
    if happened_on is None:
        errors["happened_on"] = [bilingual("请填写日期", "the date is required")]
    elif happened_on > timezone.localdate():
        errors["happened_on"] = [bilingual("日期不能晚于今天", "the date cannot be in the future")]
    if errors:
        raise ValidationError(errors)
    area = perms.region_q("", actor) if actor is not None else None
    side = pairing.strong if area is not None and Region.objects.filter(area, pk=pairing.strong_id).exists() \
        else pairing.weak
    return PairingActivity.objects.create(pairing=pairing, side=side, happened_on=happened_on, title=title.strip(),
                                          note=(note or "").strip(), logged_by=actor)


@action(permission=perms.can_end_county_pairing, target="pairing")
def end_county_pairing(*, actor, pairing: CountyPairing) -> CountyPairing:
    pairing.status = CountyPairing.Status.ENDED
    pairing.save(update_fields=["status", "updated_at"])
    return pairing
