"""Production settings: refuse to start without the secrets and services a real site needs."""

import environ
from django.core.exceptions import ImproperlyConfigured

# Checked before base settings load, so a missing DATABASE_URL is reported as such rather than
# falling back to a development database.
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")
_missing = [name for name in REQUIRED if not environ.Env()(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: "
        + ", ".join(_missing)
        + ". See README.md, section 'Production'."
    )

from .base import *  # noqa: E402, F403
from .base import STORAGES, env  # noqa: E402

ENVIRONMENT = "production"
DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The TLS proxy in front of gunicorn (bound to 127.0.0.1): its X-Forwarded-For names the client, for
# login throttling (core/client_ip.py). A proxy on another machine: list its address instead.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Personal data keys (privacy.encryption): real ones from the environment, never the public
# development keys of base.py, and the hash key not one of the encryption keys.
from .base import DEVELOPMENT_PERSONAL_DATA_HASH_KEY, DEVELOPMENT_PERSONAL_DATA_KEY  # noqa: E402

PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[])
PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY", default="")


def _personal_data_key_problem() -> str:
    import base64
    import binascii

    if not PERSONAL_DATA_KEYS or not PERSONAL_DATA_HASH_KEY:
        return "PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY must be set"
    if (
        DEVELOPMENT_PERSONAL_DATA_KEY in PERSONAL_DATA_KEYS
        or PERSONAL_DATA_HASH_KEY == DEVELOPMENT_PERSONAL_DATA_HASH_KEY
    ):
        return "the public development keys cannot protect personal data"
    if PERSONAL_DATA_HASH_KEY in PERSONAL_DATA_KEYS:
        return "PERSONAL_DATA_HASH_KEY must differ from every encryption key"
    for key in (*PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY):
        try:
            if len(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))) != 32:
                return "each key must be 32 bytes, base64url-encoded"
        except (binascii.Error, ValueError):
            return "each key must be 32 bytes, base64url-encoded"
    return ""


if _personal_data_key_problem():
    raise ImproperlyConfigured(
        f"Personal data keys: {_personal_data_key_problem()}. See README.md, section 'Personal data'."
    )
