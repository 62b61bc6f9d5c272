"""The public development key, and the check that keeps it out of a real deployment.

Base settings fall back to ``DEVELOPMENT_SECRET_KEY`` so that a fresh checkout runs, and
``scripts/devstack.py`` writes a random key for the checkout to ``.data/secret_key``, which base
settings prefer (`make run`, `make db`, `make bench`). Anyone can read the public key in this
repository: with it, sessions, password-reset tokens and signed values can be forged. The web
entry points (``wsgi.py``, ``asgi.py``) and the Celery worker and beat (``celery.py``) therefore
refuse to start with it unless DEBUG is on or the settings are the test settings. ``manage.py``
does not check, so developers' commands keep working on a bare checkout.

No Django import at module level: base settings import the constant from here.
"""

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
# Keys published in this repository: the development fallback and .env.example's placeholder.
PUBLIC_SECRET_KEYS = frozenset({DEVELOPMENT_SECRET_KEY, "change-me-to-50-random-characters-or-more"})


class PublicSecretKeyError(RuntimeError):
    pass


def refuse_public_secret_key(process: str) -> None:
    """Raise PublicSecretKeyError if the configured SECRET_KEY is a public one outside DEBUG and tests."""
    from django.conf import settings

    if settings.SECRET_KEY not in PUBLIC_SECRET_KEYS or settings.DEBUG:
        return
    if getattr(settings, "ENVIRONMENT", "") == "test":
        return
    raise PublicSecretKeyError(
        f"casework {process} refuses to start: SECRET_KEY is the public development key published in the"
        " repository and DEBUG is off. Set SECRET_KEY to 50 or more random characters (README.md, section"
        " 'Production'), or in development run `make db` or `make run` once (they write a key of this checkout to"
        " .data/secret_key), or set DJANGO_DEBUG=true."
    )
