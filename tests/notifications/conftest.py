"""Fixtures of the notifications tests: a local HTTP gateway, a scripted backend, and a broker
that is never reached (``apply_async`` is recorded instead, as tests elsewhere patch ``delay``)."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from notifications.backends.base import BaseBackend, OutgoingMessage, SendResult
from notifications.templates_data import load_templates
from tests.notifications.gateway_server import start_gateway
from tests.worker.conftest import start_worker  # noqa: F401 - the real-worker fixture, for one test here

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh: local(2026, 5, 4, 9, 30)."""
    return datetime(*args, tzinfo=VN)


@pytest.fixture(autouse=True)
def broker(request):
    """Every task the code would put on the broker, as (args, kwargs) of ``apply_async``; tests
    marked ``worker`` use the real broker and a real worker instead."""
    if request.node.get_closest_marker("worker"):
        yield None
        return
    with mock.patch("notifications.tasks.send_message_task.apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def templates(db):
    """The shipped templates (migration 0002 loads them; a transactional test before empties the
    tables, so they are loaded again where missing)."""
    load_templates()


@pytest.fixture
def gateway():
    running = start_gateway()
    yield running
    running.server.shutdown()
    running.server.server_close()


class ScriptedBackend(BaseBackend):
    """A backend whose answers the test scripts: ``ScriptedBackend.script = [SendResult…]``;
    every message it is asked to send is appended to ``ScriptedBackend.sent``."""

    script: list = []
    sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        type(self).sent.append(message)
        answer = type(self).script.pop(0) if type(self).script else SendResult.accepted_with(f"gw-{message.id}")
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def scripted(settings):
    """Every channel goes through ScriptedBackend; no rate limit, unless a test sets one."""
    ScriptedBackend.script, ScriptedBackend.sent = [], []
    path = "tests.notifications.conftest.ScriptedBackend"
    settings.NOTIFICATION_BACKENDS = {"sms": path, "zalo": path, "email": path}
    settings.NOTIFICATION_RATE_LIMITS = {}
    return ScriptedBackend
