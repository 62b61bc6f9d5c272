import json
from unittest import mock

import pytest
from django.db import OperationalError, connection

from casework.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok"},
        "failing": [],
    }


@pytest.mark.django_db
def test_healthz_is_503_naming_an_unreachable_broker(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_write_url", "redis://127.0.0.1:9/0")

    response = client.get("/healthz")

    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("OperationalError")


@pytest.mark.django_db
def test_healthz_is_503_naming_an_unreachable_database(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "OperationalError: connection refused"
    assert body["checks"]["worker"] == "skipped: database unreachable"


@pytest.mark.django_db
def test_healthz_names_a_silent_worker_when_heartbeats_are_required(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 300

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["worker"] == "no worker heartbeat in the last 300 s"


def test_a_missing_database_is_named_by_the_system_check(settings):
    from core.checks import database_configured_check

    assert database_configured_check(None) == []

    settings.DATABASES = {"default": {**settings.DATABASES["default"], "HOST": settings.NO_DATABASE_HOST}}

    [warning] = database_configured_check(None)
    assert (warning.id, warning.msg) == ("core.W001", "No database is configured.")
    assert "DATABASE_URL" in warning.hint and "make db" in warning.hint
