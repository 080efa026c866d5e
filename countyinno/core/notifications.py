"""In-app notices: `notify(users, kind=…, title=…, body=…, url=…)` from any action or job.

Users see them in the top bar (unread count) and at /notifications/. Delivery is in-app; e-mail
gateways differ per intranet, so a deployment that has one adds it here, in one place."""

from __future__ import annotations

from typing import Iterable

from django.utils import timezone

from .models import Notification


def notify(users: Iterable, *, kind: str, title: str, body: str = "", url: str = "") -> int:
    """One notice per distinct active user; returns how many were written."""
    seen, notices = set(), []
    for user in users:
        if user is None or not getattr(user, "pk", None) or user.pk in seen or not getattr(user, "is_active", True):
            continue
        seen.add(user.pk)
        notices.append(Notification(user_id=user.pk, kind=kind[:50], title=title[:200], body=body, url=url[:300]))
    Notification.objects.bulk_create(notices)
    return len(notices)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, ids=None) -> int:
    notices = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=list(ids))
    return notices.update(read_at=timezone.now())
