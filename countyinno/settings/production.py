"""Production settings: TLS at the proxy, HSTS, Secure cookies. `countyinno check --deploy` passes with
zero warnings when the environment of docs/deploy.md is set."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "1")

from .base import *  # noqa: E402,F401,F403
from .base import env_bool  # noqa: E402

# Province and city admins enrol a second factor before they use the platform.
ADMIN_TOTP_REQUIRED = env_bool("ADMIN_TOTP_REQUIRED", True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# The API schema and its browsable docs list every endpoint: in production only signed-in users see them.
from .base import SPECTACULAR_SETTINGS  # noqa: E402

SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"]}
