"""One end-to-end run through a real Celery worker process and the configured broker (the
worker fixture is in conftest.py)."""

import json

import pytest
from django_celery_results.models import TaskResult

from core.models import WorkerHeartbeat
from core.tasks import worker_heartbeat_task


@pytest.mark.worker
def test_a_real_worker_runs_a_task_and_its_result_is_stored(worker):
    result = worker_heartbeat_task.delay()

    assert result.get(timeout=60) == worker

    stored = TaskResult.objects.get(task_id=result.id)
    assert (stored.status, stored.task_name, json.loads(stored.result)) == ("SUCCESS", "core.worker_heartbeat", worker)
    assert WorkerHeartbeat.objects.filter(hostname=worker).count() == 1
