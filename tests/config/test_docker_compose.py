"""docker-compose.yml cannot be run here (no Docker engine), so read it and check it."""

import shlex
from pathlib import Path

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
