import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F401,F403
from .base import DATABASES, VAR_DIR  # noqa: E402

JOB_BACKEND = os.environ.get("JOB_BACKEND", "sync")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so that a Celery worker process can share the test database.
    # One file per test run (process), so parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-countyinno-{os.getpid()}.sqlite3")}
MARKET_DENSE = os.environ.get("MARKET_DENSE") == "1"  # the retrieval tests exercise the encoder directly
EMBEDDED_SCHEDULER = False  # tests run periodic tasks by calling them
