"""The scan page's camera reads a label's QR: with the browser's BarcodeDetector where it can
read QR codes, otherwise with the self-hosted zxing-wasm decoder (no request leaves the site).
Chromium's fake camera shows a label QR (tests/ui/conftest.py, CAMERA_QR)."""

from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.factories import make_workshop


def _scan_with_camera(page, site, sign_in, *, hide_native: bool):
    if hide_native:
        page.add_init_script("delete window.BarcodeDetector")
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
    sign_in(page, make_workshop().lead)
    page.goto(f"{site}/scan/")
    page.click("#camera-button")
    expect(page.locator("#code")).to_have_value("21HSNA724", timeout=20_000)
    expect(page.locator("#camera")).to_be_hidden()
    assert hosts <= {"localhost"}, hosts
    return page.locator("#camera-button").get_attribute("data-decoder")


def test_camera_reads_the_label_qr_with_the_self_hosted_decoder(page, site, sign_in, shot):
    decoder = _scan_with_camera(page, site, sign_in, hide_native=True)
    assert decoder == "zxing-wasm"
    shot(page, "lead", "scan-camera")


def test_camera_uses_the_browsers_own_detector_when_it_reads_qr(page, site, sign_in):
    supported = page.evaluate(
        "'BarcodeDetector' in window ? BarcodeDetector.getSupportedFormats() : []"
    )
    decoder = _scan_with_camera(page, site, sign_in, hide_native=False)
    assert decoder == ("native" if "qr_code" in supported else "zxing-wasm")
