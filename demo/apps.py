from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and synthetic households (never used in production: its commands refuse to run there)."""

    name = "demo"
