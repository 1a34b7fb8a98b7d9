"""Production settings: `check --deploy` is clean with the documented environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k7#Vq9!mZ2$wL4^pR8&tY1*uN6(eB3)hJ5_sD0+fG-xC=aQ;oI:lK/zM?vT,bW.",
    "DJANGO_ALLOWED_HOSTS": "shouchuang.example.cn",
}


def run_manage(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_has_no_warnings_in_production():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_settings_do_warn_so_the_check_above_means_something():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_extra={"DJANGO_DEBUG": "1"}
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on in deployment


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_extra={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
