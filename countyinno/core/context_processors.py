from countyinno import __version__


def platform(request):
    return {"COUNTYINNO_VERSION": __version__}


def notifications(request):
    from .notifications import unread_count

    user = getattr(request, "user", None)
    return {"unread_notifications": unread_count(user) if user is not None else 0}
