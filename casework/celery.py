"""The Celery app (celery -A casework worker|beat). Production settings unless DJANGO_SETTINGS_MODULE
says otherwise (`make run` and the tests set it); a worker or beat refuses the public development key
outside DEBUG (casework/secret_key.py).

This module is imported with the ``casework`` package, so before any settings are loaded: the check
runs when a worker or beat starts, not at import."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.production")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.celeryd_init.connect
@signals.beat_init.connect
def refuse_public_secret_key(sender=None, **kwargs) -> None:
    from casework.secret_key import PublicSecretKeyError, refuse_public_secret_key

    try:
        refuse_public_secret_key("Celery worker" if "instance" in kwargs else "Celery beat")
    except PublicSecretKeyError as error:
        # Celery logs and swallows an Exception raised by a signal handler; SystemExit stops the process.
        raise SystemExit(str(error)) from error
