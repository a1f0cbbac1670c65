"""Settings come from the environment and refuse to start on dangerous values."""

import os
import subprocess
import sys

from django.conf import settings


def _check(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='butler.settings.base'; "
            "import butler.settings.base as s; print(s.DEBUG, s.TIME_ZONE, s.LANGUAGE_CODE)",
        ],
        cwd=settings.BASE_DIR / "tests",
        env={**environment, "PYTHONPATH": str(settings.BASE_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = _check(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_start_with_a_secret():
    result = _check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="butler.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Asia/Shanghai", "zh-hans"]


def test_time_and_language_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


def test_celery_is_configured_for_at_least_once_delivery():
    from butler.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_reject_on_worker_lost is True


def test_allowed_hosts_are_required_when_debug_is_off():
    result = _check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
