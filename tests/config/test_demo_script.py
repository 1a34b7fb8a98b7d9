"""scripts/demo as a person runs it (issue 12): the links it prints and serves follow DEMO_ADDR,
it prints a household's statement link with the logins, and its output is quiet."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    """Start ``bash scripts/demo`` on a free port (its own SQLite under tmp_path, no Redis) and
    yield (address, a function that reads its output so far)."""
    port = _free_port()
    log = tmp_path / "demo.log"
    # A person's shell: none of this test run's settings (nor its own start-up marker).
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOWED_HOSTS"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith("SHOUCHUANG_")
    }
    env.update(DEMO_ADDR=f"127.0.0.1:{port}", SHOUCHUANG_VAR_DIR=str(tmp_path / "var"))
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "demo")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: runserver and its reloader child
        )
    try:
        yield f"127.0.0.1:{port}", lambda: log.read_text(errors="replace")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for_server(address: str, output, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{address}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(1)
    pytest.fail(f"the demo did not start on {address}:\n{output()}")


def test_demo_links_follow_its_address_and_its_output_is_quiet(demo):
    address, output = demo
    _wait_for_server(address, output)
    time.sleep(2)  # let runserver's reloader child finish its own start-up lines
    text = output()

    match = re.search(r"Household statement \(.+\): (\S+)", text)
    assert match, text
    link = match.group(1)
    assert link.startswith(f"http://{address}/s/"), link
    with urllib.request.urlopen(link, timeout=10) as page:  # noqa: S310 - the demo's own link
        body = page.read().decode()
    assert page.status == 200 and "加工费" in body
    assert f"serving on http://{address}/" in text

    assert text.count("REDIS_URL is not set") == 1, text
    assert "No hostname was supplied" not in text, text
    assert "Applying " not in text and "notice batch_published" not in text, text
