"""Scheduled market work: listings expire when their validity passes or they go unconfirmed."""

from countyinno.core.schedule import periodic


@periodic("techmarket.expire_listings", seconds=3600)
def expire_listings():
    from .services import expire_listings as expire

    return {"expired": expire(actor=None)}
