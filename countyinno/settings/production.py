"""Production settings: TLS at the proxy, HSTS, Secure cookies. `countyinno check --deploy` passes with
zero warnings when the environment of docs/deploy.md is set."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "1")

from .base import *  # noqa: E402,F401,F403

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
