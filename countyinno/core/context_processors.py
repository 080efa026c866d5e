from countyinno import __version__


def platform(request):
    return {"COUNTYINNO_VERSION": __version__}
