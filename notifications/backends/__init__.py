"""Channels behind one interface, chosen by settings like Django's email backends::

    NOTIFICATION_BACKENDS = {
        "sms": "notifications.backends.console.ConsoleBackend",
        "zalo": {"BACKEND": "notifications.backends.zalo.ZnsBackend", "OPTIONS": {"access_token": "…"}},
        "email": {"BACKEND": "notifications.backends.email.EmailBackend", "OPTIONS": {}},
    }

A backend's ``send`` takes an ``OutgoingMessage`` (plain data, no ORM) and returns a ``SendResult``:
accepted (with the gateway's message id), a temporary failure (retried) or a permanent one (the
message fails with the reason). Only ``notifications.services`` calls backends.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from notifications.backends.base import BaseBackend, DeliveryReport, OutgoingMessage, SendResult

__all__ = ["BaseBackend", "DeliveryReport", "OutgoingMessage", "SendResult", "backend_path", "get_backend"]


def _config(channel: str) -> tuple[str, dict]:
    try:
        config = settings.NOTIFICATION_BACKENDS[channel]
    except KeyError as error:
        raise ImproperlyConfigured(f"NOTIFICATION_BACKENDS has no backend for the channel {channel!r}") from error
    if isinstance(config, str):
        return config, {}
    return config["BACKEND"], dict(config.get("OPTIONS") or {})


def backend_path(channel: str) -> str:
    return _config(channel)[0]


def get_backend(channel: str) -> BaseBackend:
    """A new instance of the backend configured for ``channel``, with its OPTIONS."""
    path, options = _config(channel)
    return import_string(path)(channel=channel, **options)
