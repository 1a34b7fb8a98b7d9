"""docker-compose.yml cannot be run here (no Docker engine), so read it and check it."""

import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command_words(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_all_services_present_with_healthchecks():
    assert {"db", "redis", "web", "worker", "beat"} <= set(SERVICES)
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in SERVICES[name], name


def test_database_is_postgres_16_and_app_points_at_it():
    assert SERVICES["db"]["image"].startswith("postgres:16")
    env_file = SERVICES["web"]["env_file"]
    env_path = ROOT / (env_file[0] if isinstance(env_file, list) else env_file)
    example = (ROOT / "deploy" / "env.example").read_text()
    assert "DATABASE_URL=postgres://" in example and "@db:5432/" in example
    assert "REDIS_URL=redis://redis:6379" in example
    assert env_path.name == ".env"


def test_app_services_wait_for_healthy_db_and_redis():
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_web_runs_gunicorn_on_our_wsgi_module():
    words = command_words("web")
    joined = " ".join(words)
    assert "gunicorn" in joined
    assert "config.wsgi:application" in joined
    import config.wsgi  # noqa: F401 - the module the command names exists and imports


def test_web_migrates_with_a_real_management_command():
    joined = " ".join(command_words("web"))
    for name in ("migrate", "collectstatic"):
        assert f"manage.py {name}" in joined
        assert name in get_commands()


def test_worker_and_beat_use_our_celery_app():
    from config.celery import app

    for name, verb in (("worker", "worker"), ("beat", "beat")):
        words = command_words(name)
        assert words[:3] == ["celery", "-A", "config"]
        assert verb in words
    assert app.main == "shouchuang"


def test_dockerfile_exists_and_installs_the_project():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install" in dockerfile
    assert "FROM python:3.11" in dockerfile
    # Production settings serve hashed static files: the image must carry the manifest.
    assert "DJANGO_DEBUG=0" in dockerfile and "manage.py collectstatic" in dockerfile


def _web_script() -> str:
    """The web service's shell script, as Docker Compose hands it to ``sh -c``."""
    words = command_words("web")
    assert words[:2] == ["sh", "-c"] and len(words) == 3, words
    return words[2].replace("$$", "$")  # Compose's escape for a literal $


def _gunicorn_argv(environment: dict[str, str]) -> list[str]:
    """gunicorn's argv once the container's shell has expanded it with ``environment``."""
    import os
    import subprocess

    script = _web_script()
    gunicorn_part = script.split("&&")[-1].strip()
    assert gunicorn_part.startswith("gunicorn ")
    echo = "printf '%s\\n' " + gunicorn_part
    env = {"PATH": os.environ["PATH"], **environment}
    output = subprocess.run(
        ["sh", "-c", echo], env=env, capture_output=True, text=True, check=True
    ).stdout
    return output.splitlines()


def test_web_script_has_no_line_break_to_cut_gunicorn_short():
    # A line break inside the script ends the gunicorn command there: its flags would never
    # reach it (and the next line would run as a command of its own).
    assert "\n" not in _web_script()


@pytest.mark.parametrize(
    ("environment", "allowed"),
    [
        ({}, ["127.0.0.1"]),
        ({"TRUSTED_PROXIES": ""}, ["127.0.0.1"]),
        ({"TRUSTED_PROXIES": "10.0.0.2,172.18.0.0/16"}, ["10.0.0.2", "172.18.0.0/16"]),
        ({"TRUSTED_PROXIES": "10.0.0.2, 172.18.0.1"}, ["10.0.0.2", "172.18.0.1"]),
    ],
)
def test_gunicorn_believes_forwarded_headers_only_from_trusted_proxies(environment, allowed):
    """Not '*': the published port would let anyone claim HTTPS or any address."""
    from gunicorn.config import Config

    argv = _gunicorn_argv(environment)
    assert argv[0] == "gunicorn"
    config = Config()
    args = config.parser().parse_args(argv[1:])
    assert args.forwarded_allow_ips is not None, argv
    config.set("forwarded_allow_ips", args.forwarded_allow_ips)
    assert config.forwarded_allow_ips == allowed
    assert "*" not in config.forwarded_allow_ips
    assert args.accesslog == "-"


def test_no_service_trusts_forwarded_headers_from_anywhere():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "forwarded-allow-ips='*'" not in text and 'forwarded-allow-ips="*"' not in text
    assert "FORWARDED_ALLOW_IPS" not in text
    assert "TRUSTED_PROXIES=" in (ROOT / "deploy" / "env.example").read_text()
