"""One end-to-end run through a real Celery worker process and the configured broker.

Locally the broker is kombu's filesystem transport; in CI it is the machine's Redis
(CELERY_BROKER_URL). The worker reads and writes the test database, so this test commits
(transactional_db) and the worker sees what it commits.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django_celery_results.models import TaskResult

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_task

ROOT = Path(__file__).resolve().parents[2]


def database_url(settings_dict: dict) -> str:
    """The test database as a URL for the worker (the embedded server's socket is in OPTIONS)."""
    user, password = quote(settings_dict["USER"] or ""), quote(settings_dict["PASSWORD"] or "")
    host, port = settings_dict["HOST"] or "", settings_dict["PORT"] or ""
    url = f"postgresql://{user}:{password}@{host}{f':{port}' if port else ''}/{settings_dict['NAME']}"
    options = {key: value for key, value in settings_dict.get("OPTIONS", {}).items() if isinstance(value, str)}
    return f"{url}?{urlencode(options)}" if options else url


@pytest.fixture
def worker(transactional_db, tmp_path):
    log_path = tmp_path / "worker.log"
    hostname = f"test-{os.getpid()}@casework"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casework.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "casework", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--hostname", hostname, "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    yield hostname
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.worker
def test_a_real_worker_runs_a_task_and_its_result_is_stored(worker):
    result = worker_heartbeat_task.delay()

    assert result.get(timeout=60) == worker

    stored = TaskResult.objects.get(task_id=result.id)
    assert (stored.status, stored.task_name, json.loads(stored.result)) == ("SUCCESS", "core.worker_heartbeat", worker)
    assert WorkerHeartbeat.objects.filter(hostname=worker).count() == 1
