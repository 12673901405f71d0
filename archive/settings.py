"""Quipu settings, read from the environment with embedded defaults.

Every writable file lives in one data directory (ARCHIVE_DATA_DIR, `var/` by
default): the SQLite database, the Whoosh index and the generated secret key.
A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import math
import os
import secrets
import tempfile
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from archive.search.query import MAX_WILDCARD_TERMS
from archive.search.urls import search_connection_from_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def envint(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
    return number


def envfloat(name: str, default: float, minimum: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {value!r}") from None
    if not math.isfinite(number) or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a number of at least {minimum:g}; got {value!r}")
    return number


def envnetworks(name: str) -> list[IPv4Network | IPv6Network]:
    """Comma-separated addresses or CIDR networks, e.g. `10.0.0.5,172.16.0.0/12,fd00::/8`."""
    networks = []
    for item in env(name).split(","):
        if item.strip():
            try:
                networks.append(ip_network(item.strip()))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name} must be comma-separated IP addresses or networks (CIDR); got {item.strip()!r}"
                ) from None
    return networks


def data_dir() -> Path:
    # An empty value means the default too, never the current directory.
    path = Path(env("ARCHIVE_DATA_DIR") or str(BASE_DIR / "var")).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"ARCHIVE_DATA_DIR {str(path)!r} cannot be created: {exc}") from None
    return path


def secret_key(directory: Path) -> str:
    """DJANGO_SECRET_KEY, or a key generated once and kept in the data directory."""
    if env("DJANGO_SECRET_KEY"):
        return env("DJANGO_SECRET_KEY")
    key_file = directory / "secret_key"
    if not key_file.exists():
        create_key_file(key_file)
    key = key_file.read_text().strip()
    if not key:
        raise ImproperlyConfigured(f"the secret key file {key_file} is empty; delete it to regenerate")
    return key


def create_key_file(key_file: Path) -> None:
    """Write a new key beside the file, then link it into place: a process starting meanwhile
    finds no file or the whole key, never an empty one. Of several starting at once the first
    link wins (a rename would replace the key another process has already read)."""
    fd, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=".secret_key.")  # mode 600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, key_file)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def database_settings(directory: Path) -> dict:
    url = env("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": directory / "archive.sqlite3",
            # Imports and admin edits can overlap with a gunicorn worker's writes.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    import dj_database_url

    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured("DATABASE_URL names no known database engine")
    return config


DATA_DIR = data_dir()
SECRET_KEY = secret_key(DATA_DIR)
DEBUG = envbool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()
]
SECURE = envbool("DJANGO_SECURE", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Before haystack: its update_index command is ours (archive.management.commands).
    "archive",
    # manage.py generate_corpus and benchmark: tools for load tests, not the product.
    "tools",
    "haystack",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "archive.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it locks out repeated failed admin logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("ARCHIVE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours: a locked-out username and address may try again after 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Reverse proxies whose X-Forwarded-For is believed (archive/client_address.py); none by default.
# Lockouts are keyed on the username and the client's own address, so an attacker cannot lock
# the admin out of every address at once.
ARCHIVE_TRUSTED_PROXIES = envnetworks("ARCHIVE_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "archive.client_address.client_address"

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_settings(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

HAYSTACK_CONNECTIONS = {"default": search_connection_from_url(env("SEARCH_URL"), DATA_DIR)}
HAYSTACK_SIGNAL_PROCESSOR = "archive.search.signals.ArchiveSignalProcessor"
# One backend query per page of 100 hits instead of ten (docs/haystack-whoosh.md: 5 searches for 43 hits).
HAYSTACK_ITERATOR_LOAD_PER_QUERY = 100
HAYSTACK_SEARCH_RESULTS_PER_PAGE = 20

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Hashed names with far-future caching once `collectstatic` has written its manifest (make run does);
# plain names before that, so a fresh checkout's tests and runserver work without collecting.
HASHED_STATIC = envbool("ARCHIVE_HASHED_STATIC", (STATIC_ROOT / "staticfiles.json").exists())
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if HASHED_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Largest file the importer accepts, in bytes.
ARCHIVE_MAX_IMPORT_BYTES = envint("ARCHIVE_MAX_IMPORT_BYTES", 20 * 1024 * 1024, minimum=1)
# Search-index queue rows one web request applies after its commit (archive/search/indexing.py);
# `process_index_queue --follow` applies the rest.
ARCHIVE_INDEX_DRAIN_PER_REQUEST = envint("ARCHIVE_INDEX_DRAIN_PER_REQUEST", 200, minimum=1)
# Longest analyst note or tag/source description the admin accepts (archive/rendering.py).
ARCHIVE_MARKDOWN_MAX_CHARS = envint("ARCHIVE_MARKDOWN_MAX_CHARS", 10_000, minimum=1)
# Most paragraphs a document keeps; above it the importer merges consecutive ones (archive/importers/base.py).
ARCHIVE_MAX_PARAGRAPHS = envint("ARCHIVE_MAX_PARAGRAPHS", 2_000, minimum=1)
ARCHIVE_MAX_PAGE_SIZE = 100
# Most documents one admin tagging action may change (archive/adminviews/views.py).
ARCHIVE_ADMIN_BULK_LIMIT = envint("ARCHIVE_ADMIN_BULK_LIMIT", 10_000, minimum=1)
# Limits on one search, so that one anonymous URL cannot hold a worker for long (README,
# "Security and operations"): prefix* and fuzzy~ terms a query may hold (archive.search.query),
# index words they may expand to, all together (quipu_whoosh.backend), and seconds of work
# before the search stops (archive.search.budget).
ARCHIVE_SEARCH_MAX_WILDCARD_TERMS = envint("ARCHIVE_SEARCH_MAX_WILDCARD_TERMS", MAX_WILDCARD_TERMS, minimum=0)
ARCHIVE_SEARCH_MAX_EXPANSIONS = envint("ARCHIVE_SEARCH_MAX_EXPANSIONS", 2000, minimum=1)
ARCHIVE_SEARCH_TIME_BUDGET = envfloat("ARCHIVE_SEARCH_TIME_BUDGET", 5.0, minimum=0.1)
# A search's CSV or JSON Lines export stops after this many documents (and says so in its last line).
ARCHIVE_EXPORT_MAX_ROWS = envint("ARCHIVE_EXPORT_MAX_ROWS", 50_000, minimum=1)
# Exports and feeds one client may fetch per window (archive/ratelimit.py); 0 turns the limit off.
ARCHIVE_EXPORTS_PER_WINDOW = envint("ARCHIVE_EXPORTS_PER_WINDOW", 30, minimum=0)
ARCHIVE_EXPORT_WINDOW_SECONDS = envint("ARCHIVE_EXPORT_WINDOW_SECONDS", 600, minimum=1)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if SECURE:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", True)
    # Load balancers probe the backend over plain HTTP: a redirect would read as unhealthy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("ARCHIVE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # axes logs its version at every start-up; keep only its lockout warnings.
        "axes": {"level": "WARNING"},
    },
}
