"""Linli's one settings file: everything that differs between machines comes from the environment.

A missing or malformed value stops start-up with a message that says which variable and why.

| variable | meaning | default |
|---|---|---|
| LINLI_SECRET_KEY | Django secret key | var/secrets.json (made by `linli demo` / `make setup`) |
| LINLI_FIELD_KEY | 32-byte url-safe base64 key that encrypts ID and phone numbers | var/secrets.json |
| DATABASE_URL | postgres://user:pass@host:port/name or sqlite:///path | SQLite under var/ |
| LINLI_DEBUG | true / false | false |
| LINLI_ALLOWED_HOSTS | comma-separated host names | 127.0.0.1,localhost |
| LINLI_SMS_BACKEND | console / memory | console |
| LINLI_VAR_DIR | where the database, keys and uploads live | ./var |
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

from linli.secrets import BASE_DIR, VAR_DIR, read_local_secrets

_local = read_local_secrets()


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        return _local.get(name, default)
    return value


def _bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} 无效：应为 true 或 false")


def _required(name: str) -> str:
    value = _env(name)
    if not value:
        raise ImproperlyConfigured(
            f"{name} 未设置：请在环境变量中设置，或运行 `python -m linli.secrets` 在 var/ 下生成本机密钥"
        )
    return value


def _field_key(name: str) -> bytes:
    raw = _required(name)
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} 无效：不是 base64 编码") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} 无效：解码后应为 32 字节，实际 {len(key)} 字节")
    return key


def _database(url: str | None) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "linli.sqlite3",
            "OPTIONS": _SQLITE_OPTIONS,
        }
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parsed.path.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL 无效：缺少数据库名，例如 postgres://user:pass@127.0.0.1:5432/linli")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        path = url[len("sqlite://") :]
        if path.startswith("/"):
            path = path[1:] if path.startswith("//") else path
        if not path:
            raise ImproperlyConfigured("DATABASE_URL 无效：sqlite:/// 后应写数据库文件路径")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "OPTIONS": _SQLITE_OPTIONS}
    raise ImproperlyConfigured(f"DATABASE_URL 无效：不支持的数据库类型 {parsed.scheme!r}（支持 postgres、sqlite）")


# WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at BEGIN,
# so two writers queue instead of failing with "database is locked" mid-transaction.
_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    "transaction_mode": "IMMEDIATE",
}

DEBUG = _bool("LINLI_DEBUG", False)
SECRET_KEY = _required("LINLI_SECRET_KEY")
LINLI_FIELD_KEY = _field_key("LINLI_FIELD_KEY")
ALLOWED_HOSTS = [h.strip() for h in (_env("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost") or "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in (_env("LINLI_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()]

# console and memory are built in; a gateway app registers its own name (checked at start-up).
LINLI_SMS_BACKEND: str = _env("LINLI_SMS_BACKEND") or "console"
# The timetable solver runs in a background thread after the run is saved; inline (tests, the CLI) runs it at once.
LINLI_TIMETABLE_INLINE = _bool("LINLI_TIMETABLE_INLINE", False)

VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {"default": _database(_env("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "ninja",
    "django_htmx",
    "linli.core",
    "linli.areas",
    "linli.accounts",
    "linli.people",
    "linli.surveys",
    "linli.college",
    "linli.points",
    "linli.volunteering",
    "linli.notices",
    "linli.assistance",
    "linli.insights",
    "linli.portal",
    "linli.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "linli.core.middleware.LinliErrorMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.accounts.context_processors.linli",
            ],
        },
    }
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "linli" / "static"]
WHITENOISE_USE_FINDERS = True  # also serves app and vendored assets before collectstatic has run
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic (run by `linli serve`) writes gzip and brotli copies that WhiteNoise then serves.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Uploads: an import file larger than this is refused before it is parsed.
LINLI_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = LINLI_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = LINLI_MAX_UPLOAD_BYTES + 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "linli": {"handlers": ["console"], "level": "INFO"},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}

BASE_DIR = Path(BASE_DIR)
