"""Scheduled market work: listings expire when their validity passes or they go unconfirmed, and their
owners are reminded before that (N days ahead: the market rule set's `expiry_reminder_days`, else 14)."""

from countyinno.core.schedule import periodic


@periodic("techmarket.expire_listings", seconds=3600)
def expire_listings():
    from .services import expire_listings as expire

    return {"expired": expire(actor=None)}


@periodic("techmarket.remind_expiring", seconds=3600)
def remind_expiring():
    from .services import remind_expiring as remind

    return {"reminded": remind(actor=None)}
