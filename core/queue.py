"""A Celery task found by the name it is registered under, so that a service can put its own task on
the broker without importing the task module: tasks import services, and services must not import
their task module back (docs/architecture.md). Each app writes a task's name once, as a constant
beside the ``enqueue_*`` function that sends it, and its ``tasks.py`` registers the task under that
constant; tests/core/test_queue.py checks that every name given to ``registered_task`` is a task."""

from celery import current_app


def registered_task(name: str):
    """The task registered as ``name`` (call ``.delay()`` / ``.apply_async()`` on it). A worker imports
    every app's ``tasks.py`` when it starts (autodiscovery); a web process or a command may not have
    yet, so a name not found makes it import them the same way, once, and look again (KeyError if
    the name is still unknown)."""
    tasks = current_app.tasks
    if name not in tasks:
        current_app.autodiscover_tasks(force=True)
    return tasks[name]
