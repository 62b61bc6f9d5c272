"""Services put their tasks on the broker by the tasks' registered names (``core.queue.registered_task``),
never by importing their task modules (tasks import services: docs/architecture.md). Every name given
to ``registered_task`` in the source must be a registered task, so renaming a task, or deleting it,
without its ``enqueue_*`` fails here and not on the broker."""

import ast
import importlib
import os
import subprocess
import sys
from unittest import mock

from celery import current_app

from core.queue import registered_task
from tests.test_architecture import MODULES, ROOT


def _enqueued_names() -> dict[str, str]:
    """Each task name given to ``registered_task`` in the project's source, with where it is given."""
    found = {}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "registered_task"):
                continue
            (argument,) = node.args
            if isinstance(argument, ast.Constant):
                name = argument.value
            else:
                assert isinstance(argument, ast.Name), f"{module}:{node.lineno}: give registered_task a name constant"
                name = getattr(importlib.import_module(module), argument.id)
            found[name] = f"{module}:{node.lineno}"
    return found


def test_every_task_a_service_enqueues_is_registered_under_that_name():
    enqueued = _enqueued_names()
    assert set(enqueued) >= {
        "disbursements.prepare_batch",
        "notifications.send_message",
        "notifications.send_health_insurance_reminders",
        "reports.export_job",
    }
    current_app.autodiscover_tasks(force=True)  # as a worker does when it starts
    unknown = {name: where for name, where in enqueued.items() if name not in current_app.tasks}
    assert not unknown, f"no task is registered under these names: {unknown}"
    assert registered_task("reports.export_job").name == "reports.export_job"


def test_a_process_that_imported_no_task_module_finds_the_task_by_name():
    """A web process or a command has not imported the apps' ``tasks.py`` (only a worker does so when
    it starts): the first look-up imports them."""
    script = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "assert 'disbursements.prepare_batch' not in current_app.tasks\n"
        "from core.queue import registered_task\n"
        "print(registered_task('disbursements.prepare_batch').name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "casework.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "disbursements.prepare_batch"


def test_in_eager_mode_an_enqueued_task_runs_in_the_process():
    from notifications import services

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        with mock.patch.object(services, "send_message", return_value="not_queued") as send_message:
            services.enqueue_send_message(12345)
    finally:
        current_app.conf.task_always_eager = eager
    send_message.assert_called_once_with(12345)
