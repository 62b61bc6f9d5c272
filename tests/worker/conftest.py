"""Real Celery worker processes against the test database and the configured broker.

Locally the broker is kombu's filesystem transport; in CI it is the machine's Redis
(CELERY_BROKER_URL). The worker reads and writes the test database, so these tests commit
(transactional_db) and the worker sees what they commit. Each test sends its tasks to a queue of
its own, which only its workers consume: a worker of another test run on the same broker (or a
development worker) never takes them, and these workers never take anyone else's.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.utils import timezone

from casework.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def database_url(settings_dict: dict) -> str:
    """The test database as a URL for the worker (the embedded server's socket is in OPTIONS)."""
    user, password = quote(settings_dict["USER"] or ""), quote(settings_dict["PASSWORD"] or "")
    host, port = settings_dict["HOST"] or "", settings_dict["PORT"] or ""
    url = f"postgresql://{user}:{password}@{host}{f':{port}' if port else ''}/{settings_dict['NAME']}"
    options = {key: value for key, value in settings_dict.get("OPTIONS", {}).items() if isinstance(value, str)}
    return f"{url}?{urlencode(options)}" if options else url


@dataclass
class Worker:
    hostname: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """start_worker("name", SETTING="value") -> a running worker (``--pool solo``) consuming this
    test's queue, with those extra environment variables; every worker still running at the end
    is stopped, and the queue is emptied."""
    queue = f"casework-test-{os.getpid()}-{tmp_path.name}"
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue  # where .delay() sends from this process
    started: list[Worker] = []

    def start(name: str = "worker", **environment: str) -> Worker:
        log_path = tmp_path / f"{name}.log"
        hostname = f"{name}-{os.getpid()}@casework"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "casework.settings.test",
            "DATABASE_URL": database_url(connection.settings_dict),
            **environment,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        if os.environ.get("CASEWORK_TODAY"):  # the worker's clock starts where this process's is now
            env["CASEWORK_TODAY"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M:%S")
        with log_path.open("w") as log:
            process = subprocess.Popen(
                # tests.clock runs celery as if it were CASEWORK_TODAY when that is set (else as it is).
                [sys.executable, "-m", "tests.clock", "celery", "-A", "casework", "worker", "--pool", "solo", "--queues", queue,
                 "--loglevel", "INFO", "--hostname", hostname, "--without-mingle", "--without-gossip"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        worker = Worker(hostname, process, log_path)
        started.append(worker)
        deadline = time.monotonic() + 60
        while " ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the Celery worker did not start:\n{worker.log()}")
            time.sleep(0.2)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(queue)  # duplicates no worker took
    celery_app.conf.task_default_queue = default_queue


@pytest.fixture
def worker(start_worker) -> str:
    """One running worker; its hostname."""
    return start_worker().hostname
