"""Labels: the PNG decodes back to the lot's URL; PDF sheets are built in the background."""

import io

import pytest
import zxingcpp
from PIL import Image

from jobs.models import Job
from orders.models import Batch
from quality import labels, services
from quality.labels import LABEL_DOTS
from quality.models import LabelSheet
from quality.services import label_sheets
from tests.pdf_tools import pdf_fonts, pdf_text

from .factories import make_batch, material_lot

pytestmark = pytest.mark.django_db
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def decode(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def test_label_png_decodes_back_to_the_lot_url(api, lead, workshop):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    response = api.as_user(lead).get(f"/lots/{lot.code}/label.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert decode(response.content) == [f"HTTP://127.0.0.1:8000/L/{lot.code}"]


def test_label_url_is_all_qr_alphanumeric(settings, lead, workshop):
    settings.SITE_URL = "https://shouchuang.example.cn"
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    url = services.label_content(lot).url
    assert url == f"HTTPS://SHOUCHUANG.EXAMPLE.CN/L/{lot.code}"
    assert set(url) <= QR_ALPHANUMERIC


def test_label_is_40_by_30_mm_at_203_dpi_with_whole_dots_per_module(lead, workshop):
    from quality.labels import label_png

    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    image = Image.open(io.BytesIO(label_png(services.label_content(lot))))
    assert image.size == LABEL_DOTS == (320, 240)
    assert image.mode == "1"
    assert round(image.info["dpi"][0]) == 203
    # The top-left finder pattern is 7 modules wide after a 4-module quiet zone: with whole
    # dots per module its first dark row is a run of exactly 7 × dots starting at 4 × dots.
    row = [image.getpixel((x, 22)) == 0 for x in range(120)]
    start = row.index(True)
    length = row[start:].index(False)
    dots = start // 4
    assert start == 4 * dots and length == 7 * dots and dots >= 4


def test_another_regions_checker_gets_no_label(api, workshop, other_region_checker):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    assert api.as_user(other_region_checker).get(f"/lots/{lot.code}/label.png").status_code == 404


def test_pdf_sheet_task_reports_progress_and_finishes(
    api, lead, workshop, monkeypatch, django_capture_on_commit_callbacks, eager_tasks
):
    batch = make_batch(workshop, status=Batch.Status.CLAIMED)
    lots = [material_lot(batch, 10) for _ in range(50)]
    seen: list[int] = []
    real_progress = label_sheets.job_progress

    def watch(*, job_id, done, **kwargs):
        seen.append(done)
        return real_progress(job_id=job_id, done=done, **kwargs)

    monkeypatch.setattr(label_sheets, "job_progress", watch)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(lead).post("/labels/sheets", {"codes": [lot.code for lot in lots]})
    assert response.status_code == 202, response.content
    task = api.get(response.json()["task_url"].removeprefix("/api/v1")).json()
    assert (task["status"], task["done"], task["total"], task["percent"]) == (
        "succeeded",
        50,
        50,
        100,
    )
    assert seen == sorted(seen) and len(seen) > 5 and seen[-1] == 50
    pdf = api.get(task["result"]["url"].removeprefix("/api/v1"))
    assert pdf.status_code == 200
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF")
    assert content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") >= 2  # 45 per page


def test_pdf_sheet_of_unknown_or_foreign_lots_is_refused(api, lead, other_workshop):
    foreign = material_lot(make_batch(other_workshop, status=Batch.Status.CLAIMED))
    response = api.as_user(lead).post("/labels/sheets", {"codes": [foreign.code]})
    assert response.status_code == 404
    assert response.json()["code"] == "lot_not_found"
    assert not Job.objects.exists() and not LabelSheet.objects.exists()


def test_building_a_sheet_twice_does_nothing_new(
    lead, workshop, django_capture_on_commit_callbacks, eager_tasks
):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    with django_capture_on_commit_callbacks(execute=True):
        sheet = services.label_sheet_create(actor=lead, lot_codes=[lot.code])
    sheet.refresh_from_db()
    name = sheet.pdf.name
    assert services.label_sheet_build(sheet_id=sheet.pk) == 1
    sheet.refresh_from_db()
    assert sheet.pdf.name == name


def test_a_finished_label_job_no_longer_says_queued(
    api, lead, workshop, django_capture_on_commit_callbacks, eager_tasks
):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    api.as_user(lead)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post("/labels/sheets", {"codes": [lot.code]})
        queued = api.get(f"/tasks/{response.json()['task_id']}").json()
    assert (queued["status"], queued["status_label"]) == ("pending", "排队中")
    services.label_sheet_build(sheet_id=response.json()["sheet_id"])
    task = api.get(f"/tasks/{response.json()['task_id']}").json()
    assert (task["status"], task["status_label"], task["percent"]) == ("succeeded", "已完成", 100)
    assert "排队中" not in task["message"]


def test_a_sheet_built_by_a_run_that_died_before_saying_so_is_marked_done_once(
    lead, workshop, monkeypatch
):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED))
    sheet = services.label_sheet_create(actor=lead, lot_codes=[lot.code])

    class WorkerKilled(BaseException):
        pass

    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(label_sheets, "job_succeed", killed)
    with pytest.raises(WorkerKilled):
        services.label_sheet_build(sheet_id=sheet.pk)
    monkeypatch.undo()
    sheet.refresh_from_db()
    name = sheet.pdf.name
    assert name and Job.objects.get(pk=sheet.job_id).status == "running"

    assert services.label_sheet_build(sheet_id=sheet.pk) == 1  # Celery delivers it again

    sheet.refresh_from_db()
    job = Job.objects.get(pk=sheet.job_id)
    assert (sheet.pdf.name, job.status, job.attempts) == (name, "succeeded", 1)
    assert job.result["url"] == f"/api/v1/labels/sheets/{sheet.pk}.pdf"


def test_label_sheet_embeds_its_fonts_and_its_chinese_can_be_read(lead, workshop, tmp_path):
    lot = material_lot(make_batch(workshop, status=Batch.Status.CLAIMED, product="绳编腰带"))
    out = io.BytesIO()
    labels.label_sheet_pdf([label_sheets.label_content(lot)], out, total=1)
    fonts = pdf_fonts(out.getvalue(), tmp_path)
    assert fonts and all(font.embedded for font in fonts), fonts  # no viewer substitutes
    text = pdf_text(out.getvalue(), tmp_path)
    assert "绳编腰带" in text and "数量 1000 件" in text
    assert f"{lot.code[:4]} {lot.code[4:]}" in text


def test_a_missing_pdf_font_is_a_clear_error(settings, tmp_path):
    from core.pdf_fonts import PdfFontMissing, pdf_font, pdf_font_check

    settings.PDF_CJK_FONT = str(tmp_path / "no-such-font.ttc")
    with pytest.raises(PdfFontMissing, match="fonts-wqy-microhei"):
        pdf_font()
    assert [warning.id for warning in pdf_font_check()] == ["core.W001"]
