from django.conf import settings
from django.core.checks import Warning, register


@register()
def database_configured_check(app_configs, **kwargs):
    """Say plainly that no database is configured, instead of a connection error later."""
    if settings.DATABASES["default"].get("HOST") == settings.NO_DATABASE_HOST:
        return [
            Warning(
                "No database is configured.",
                hint="Set DATABASE_URL, or start the embedded PostgreSQL with `make db` "
                "(`make run` and `make test` start it for you).",
                id="core.W001",
            )
        ]
    return []
