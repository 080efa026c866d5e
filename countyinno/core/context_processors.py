from countyinno import __version__


def platform(request):
    from django.conf import settings

    from django.utils.translation import gettext

    name = getattr(settings, "PROVINCE_NAME", "")
    return {"COUNTYINNO_VERSION": __version__, "PROVINCE_CODE": settings.PROVINCE_CODE,
            "PROVINCE_NAME": gettext(name) if name else ""}


def notifications(request):
    from .notifications import unread_count

    user = getattr(request, "user", None)
    return {"unread_notifications": unread_count(user) if user is not None else 0}
