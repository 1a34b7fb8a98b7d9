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


APP = ("web", "worker", "beat")


def test_all_services_present_with_healthchecks():
    expected = {"db", "pgbouncer", "redis", "minio", "migrate", "web", "proxy", "worker", "beat"}
    assert expected <= set(SERVICES)
    for name in ("db", "pgbouncer", "redis", "minio", "web", "worker"):
        assert "healthcheck" in SERVICES[name], name


def test_database_is_postgres_16_and_app_points_at_it():
    assert SERVICES["db"]["image"].startswith("postgres:16")
    env_file = SERVICES["web"]["env_file"]
    env_path = ROOT / (env_file[0] if isinstance(env_file, list) else env_file)
    example = (ROOT / "deploy" / "env.example").read_text()
    assert "DATABASE_URL=postgres://" in example and "@db:5432/" in example
    assert "REDIS_URL=redis://redis:6379" in example
    assert env_path.name == ".env"


def test_app_services_wait_for_the_migration_the_pooler_redis_and_the_bucket():
    for name in APP:
        depends = SERVICES[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["pgbouncer"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["minio-bucket"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert SERVICES["pgbouncer"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_runs_gunicorn_on_our_wsgi_module():
    words = command_words("web")
    joined = " ".join(words)
    assert "gunicorn" in joined
    assert "config.wsgi:application" in joined
    import config.wsgi  # noqa: F401 - the module the command names exists and imports


def test_migrations_run_once_in_their_own_service_not_in_each_web_replica():
    assert command_words("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert "migrate" in get_commands()
    assert SERVICES["migrate"]["restart"] == "no"
    for name in APP:
        assert "manage.py migrate" not in " ".join(command_words(name)), name
    # straight to PostgreSQL, not through the transaction pooler
    assert "@db:5432/" in SERVICES["migrate"]["environment"]["DATABASE_URL"]


def test_web_and_worker_scale_out_nothing_local_and_one_published_port():
    """`docker compose up --scale web=3 --scale worker=4` must work."""
    for name in APP:
        service = SERVICES[name]
        assert "container_name" not in service, name
        assert "ports" not in service, name  # replicas would fight over a host port
        # no local media: uploads go to the shared store
        assert not any("media" in str(v) for v in service.get("volumes", [])), name
        env = service["environment"]
        assert env["SHOUCHUANG_MEDIA_STORAGE"] == "s3"
        assert env["SHOUCHUANG_S3_ENDPOINT_URL"] == "http://minio:9000"
    published = [name for name, service in SERVICES.items() if service.get("ports")]
    assert published == ["proxy"]
    assert SERVICES["proxy"]["ports"] == ["8000:80"]
    assert SERVICES["web"]["expose"] == ["8000"]


def test_beat_runs_exactly_once():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert "beat" in command_words("beat")
    assert not any("beat" in " ".join(command_words(n)) for n in ("web", "worker"))


def test_the_app_goes_through_pgbouncer_in_transaction_mode():
    pooler = SERVICES["pgbouncer"]["environment"]
    assert pooler["POOL_MODE"] == "transaction"
    assert "@db:5432/" in pooler["DATABASE_URL"]
    for name in APP:
        env = SERVICES[name]["environment"]
        assert "@pgbouncer:5432/" in env["DATABASE_URL"], name
        assert env["DATABASE_POOLER"] == "pgbouncer", name


def test_the_pooler_setting_turns_off_server_side_cursors():
    settings = _settings_in_subprocess(
        {"DATABASE_URL": "postgres://u:p@pgbouncer:5432/x", "DATABASE_POOLER": "pgbouncer"},
        "DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS')",
    )
    assert settings == "True"


def test_media_go_to_a_private_s3_bucket_when_compose_says_so():
    env = SERVICES["web"]["environment"]
    backend = _settings_in_subprocess(
        {key: str(value) for key, value in env.items() if key.startswith("SHOUCHUANG_")},
        "STORAGES['default']",
    )
    assert "storages.backends.s3.S3Storage" in backend
    assert "'endpoint_url': 'http://minio:9000'" in backend
    assert "'default_acl': 'private'" in backend and "'file_overwrite': False" in backend
    bucket = SERVICES["minio-bucket"]["entrypoint"][2]
    assert "mc mb --ignore-existing" in bucket and "anonymous set none" in bucket


def test_the_proxy_spreads_over_every_replica_and_replaces_forwarded_headers():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "resolver 127.0.0.11" in conf
    assert "set $web http://web:8000;" in conf and "proxy_pass $web;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert f"TRUSTED_PROXIES={subnet}" in (ROOT / "deploy" / "env.example").read_text()


def _settings_in_subprocess(environment: dict[str, str], expression: str) -> str:
    """A value of config.settings as a fresh process with ``environment`` computes it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SHOUCHUANG_"))}
    code = f"import config.settings as s; print(repr(eval({expression!r}, vars(s))))"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **environment},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


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
