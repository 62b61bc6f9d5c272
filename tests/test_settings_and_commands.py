"""Production settings, demo data and admin units, run as a person would run them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import StaffAssignment, User
from geography.models import Village

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "x7#Qm9!vLr2@Tz8$Wp4^Kd6&Hn1*Bs5(Gf3)Yc0-Ju7+Ea2=Ni9?Ro4%Ul8",
    "ALLOWED_HOSTS": "casework.example.gov.vn",
    "DATABASE_URL": "postgresql://casework@127.0.0.1:5432/casework",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "PERSONAL_DATA_KEYS": "q0gA9Vf4oH3XbN2k1CwE8yLrT5uZ7mPsD6jKiQxRvYc",
    "PERSONAL_DATA_HASH_KEY": "Hn4tW8cYq2LzP0aVx7Rk5Ue3Gm1Bs9Df6JoQiNwTyEg",
}


def manage(*args, env):
    dropped = {*PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "casework.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_its_secrets():
    result = manage("check", env={"ALLOWED_HOSTS": "casework.example.gov.vn"})

    assert result.returncode != 0
    assert (
        "Production settings need these environment variables: SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL."
        in result.stderr
    )


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_load_demo_refuses_production_settings():
    result = manage("load_demo", env=PRODUCTION_ENV)

    assert result.returncode != 0
    assert "load_demo refuses to run with production settings" in result.stderr


@pytest.mark.django_db
def test_load_demo_is_idempotent(on_demo_day):
    call_command("load_demo")
    first = (
        sorted(User.objects.values_list("username", "role")),
        sorted(StaffAssignment.objects.values_list("user__username", "commune_id", "province_id")),
        sorted(Village.objects.values_list("commune_id", "name")),
    )

    call_command("load_demo")

    second = (
        sorted(User.objects.values_list("username", "role")),
        sorted(StaffAssignment.objects.values_list("user__username", "commune_id", "province_id")),
        sorted(Village.objects.values_list("commune_id", "name")),
    )
    assert first == second
    assert first[0] == [
        ("admin", "administrator"),
        ("binhminh.chair", "commune_chair"),
        ("binhminh.officer", "commune_officer"),
        ("tandong.chair", "commune_chair"),
        ("tandong.committee", "committee_member"),
        ("tandong.officer", "commune_officer"),
        ("tayninh.province", "provincial_viewer"),
    ]
    assert first[1] == [
        ("binhminh.chair", "25480", None),
        ("binhminh.officer", "25480", None),
        ("tandong.chair", "25522", None),
        ("tandong.committee", "25522", None),
        ("tandong.officer", "25522", None),
        ("tayninh.province", None, "80"),
    ]
    assert Village.objects.filter(commune_id="25522").count() == 8
    assert Village.objects.filter(commune_id="25480").count() == 5
    assert User.objects.get(username="tandong.officer").check_password("demo12345")


@pytest.mark.django_db
def test_load_demo_command_refuses_when_environment_is_production(settings):
    settings.ENVIRONMENT = "production"

    with pytest.raises(CommandError, match="refuses to run with production settings"):
        call_command("load_demo")

    assert not User.objects.exists()


def test_production_static_files_collect_with_hashed_names(tmp_path):
    result = manage(
        "collectstatic", "--no-input", "--verbosity", "0", env={**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path)}
    )

    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert manifest["vendor/bootstrap/bootstrap.min.css"].startswith("vendor/bootstrap/bootstrap.min.")
    assert "django_htmx/htmx-2.min.js" in manifest
