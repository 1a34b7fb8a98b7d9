"""Browser tests of the phone pages: Debian's Chromium driven by pytest-playwright.

A live server runs the real middleware stack (WhiteNoise serves collected, hashed static files
with their cache headers, as in production) on a 360×740 phone viewport. Screenshots go to
test-artifacts/screenshots/<role>-<page>.png. Without /usr/bin/chromium the browser tests skip.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API keeps an event loop in this thread; Django would then refuse the
# test's own (synchronous) ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# CI runs the SQLite and PostgreSQL passes side by side on two cores: a page may take longer
# than Playwright's 5 s default to answer there. A wrong page still fails, only later.
expect.set_options(timeout=15_000)

CHROMIUM = Path(os.environ.get("SHOUCHUANG_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# What the fake camera shows: a lot label's QR (see fake_camera_video).
CAMERA_QR = "HTTP://127.0.0.1:8000/L/21HSNA724"


def fake_camera_video(path: Path, text: str = CAMERA_QR) -> Path:
    """A one-frame Y4M video of a QR code, for Chromium's fake camera."""
    import qrcode
    from PIL import Image

    width, height = 640, 480
    frame = Image.new("RGB", (width, height), "white")
    code = qrcode.make(text, box_size=8, border=4).get_image().convert("RGB")
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    body = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    path.write_bytes(header + body)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(tmp_path_factory):
    # Every browser test goes through here first (session scope): no Chromium, skip them all.
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    video = fake_camera_video(tmp_path_factory.mktemp("camera") / "qr.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS + camera}


@pytest.fixture(scope="session")
def browser_context_args():
    return {
        "viewport": PHONE,
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """collectstatic with hashed names into a temporary root, as a deployment does."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    root = tmp_path_factory.mktemp("static")
    override = override_settings(
        STATIC_ROOT=root,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    )
    override.enable()
    call_command("collectstatic", "--noinput", verbosity=0)
    yield root
    override.disable()


@pytest.fixture(scope="session")
def _site(collected_static, django_db_setup, django_db_blocker):
    """One live server for the session, with WhiteNoise (not Django's static handler) in front."""
    from django.db import connections
    from django.test.testcases import LiveServerThread

    overrides = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    with django_db_blocker.unblock():
        for conn in overrides.values():
            conn.inc_thread_sharing()
        thread = LiveServerThread(
            "localhost",
            static_handler=lambda application: application,
            connections_override=overrides,
        )
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    for conn in overrides.values():
        conn.dec_thread_sharing()


@pytest.fixture
def site(_site, transactional_db) -> str:
    """The live server's base URL; the test and the server share the database."""
    return _site


@pytest.fixture
def shot():
    """``shot(page, "lead", "open-batches")`` saves a full-page phone screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, role: str, name: str) -> Path:
        path = SCREENSHOTS / f"{role}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def sign_in(site):
    """``sign_in(page, user)`` signs in through the login page like a person would."""
    from tests.factories import PASSWORD

    def go(page, user, password: str = PASSWORD) -> None:
        page.goto(f"{site}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button.primary")
        page.wait_for_load_state()

    return go
