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
from tests.pdf_tools import pdf_fonts, pdf_page_png, pdf_pages, pdf_text

from .factories import make_batch, material_lot

pytestmark = pytest.mark.django_db
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def decode(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]


def sheet_qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """The lot codes the QRs of a sheet hold, page by page, in reading order (rows of five,
    left to right), as a camera reads them off the printed page."""
    codes = []
    for page in range(1, pdf_pages(pdf, tmp_path) + 1):
        image = Image.open(pdf_page_png(pdf, tmp_path, page=page, dpi=150)).convert("L")
        found = sorted(zxingcpp.read_barcodes(image), key=lambda r: r.position.top_left.y)
        for start in range(0, len(found), labels.SHEET_COLUMNS):
            row = sorted(found[start : start + 5], key=lambda r: r.position.top_left.x)
            codes += [r.text.rsplit("/", 1)[1] for r in row]
    return codes


def sheet_pdf(sheet: LabelSheet) -> bytes:
    sheet.refresh_from_db()
    with sheet.pdf.open("rb") as pdf:
        return pdf.read()


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
    lots = [material_lot(batch, 10) for _ in range(50)]  # two A4 pages: two parts of one page
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
    assert seen == [0, 45, 50]  # once a part
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
    labels.label_sheet_pdf([label_sheets.label_content(lot)], out)
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


# --- sheets drawn in parts ---------------------------------------------------------------------

PAGE = labels.PER_PAGE


@pytest.fixture
def lots_91(workshop):
    """Two full A4 pages and one label: three parts of one page."""
    batch = make_batch(workshop, status=Batch.Status.CLAIMED, product="绳编腰带")
    return [material_lot(batch, 10) for _ in range(2 * PAGE + 1)]


def test_a_sheet_drawn_in_parts_has_every_label_once_in_order(lead, lots_91, tmp_path):
    codes = [lot.code for lot in lots_91]
    sheet = services.label_sheet_create(actor=lead, lot_codes=codes)
    assert services.label_sheet_build(sheet_id=sheet.pk, part_pages=1) == 91
    pdf = sheet_pdf(sheet)
    assert pdf_pages(pdf, tmp_path) == 3
    assert sheet_qr_codes(pdf, tmp_path) == codes  # every QR decodes, to its lot, in order
    last = pdf_text(pdf, tmp_path, page=3)
    assert f"{codes[-1][:4]} {codes[-1][4:]}" in last and "绳编腰带" in last
    assert not label_sheets.label_sheet_workdir(sheet).exists()  # the parts are cleaned up


def test_a_joined_sheet_embeds_one_font_subset_a_part(lead, lots_91, tmp_path):
    sheet = services.label_sheet_create(actor=lead, lot_codes=[lot.code for lot in lots_91])
    services.label_sheet_build(sheet_id=sheet.pk, part_pages=1)
    fonts = pdf_fonts(sheet_pdf(sheet), tmp_path)
    assert len(fonts) == 3 and all(font.embedded for font in fonts), fonts
    text = pdf_text(sheet_pdf(sheet), tmp_path, page=2)
    assert "数量 10 件" in text  # the Chinese of a later part reads back too


def test_a_run_killed_between_parts_is_finished_by_the_next_with_the_same_pdf(
    lead, lots_91, tmp_path, monkeypatch, settings
):
    codes = [lot.code for lot in lots_91]
    sheet = services.label_sheet_create(actor=lead, lot_codes=codes)
    real_progress = label_sheets.job_progress

    class WorkerKilled(BaseException):
        pass

    def killed_after_two_parts(*, job_id, done, **kwargs):
        if done == 2 * PAGE:
            raise WorkerKilled
        return real_progress(job_id=job_id, done=done, **kwargs)

    monkeypatch.setattr(label_sheets, "job_progress", killed_after_two_parts)
    with pytest.raises(WorkerKilled):
        services.label_sheet_build(sheet_id=sheet.pk, part_pages=1)
    monkeypatch.undo()
    sheet.refresh_from_db()
    workdir = label_sheets.label_sheet_workdir(sheet)
    assert not sheet.pdf  # no result, and no half file anywhere
    assert sorted(p.name for p in workdir.iterdir()) == [
        "part-00000-of-45.pdf",
        "part-00001-of-45.pdf",
    ]
    assert Job.objects.get(pk=sheet.job_id).done == PAGE

    drawn: list[int] = []
    real_draw = labels.label_sheet_pdf

    def draw(contents, out):
        drawn.append(count := real_draw(contents, out))
        return count

    monkeypatch.setattr(labels, "label_sheet_pdf", draw)
    assert services.label_sheet_build(sheet_id=sheet.pk, part_pages=1) == 91  # delivered again
    assert drawn == [1]  # only the part the killed run had not finished
    job = Job.objects.get(pk=sheet.job_id)
    assert (job.status, job.done, job.attempts) == ("succeeded", 91, 2)
    resumed = sheet_pdf(sheet)
    assert sheet_qr_codes(resumed, tmp_path) == codes
    assert not workdir.exists()

    # The same lots drawn in one go, by a run never killed: the very same file.
    again = services.label_sheet_create(actor=lead, lot_codes=codes)
    services.label_sheet_build(sheet_id=again.pk, part_pages=1)
    assert sheet_pdf(again) == resumed


def test_a_failed_build_fails_its_job_and_leaves_no_parts(lead, lots_91, monkeypatch):
    sheet = services.label_sheet_create(actor=lead, lot_codes=[lot.code for lot in lots_91])
    real_draw = labels.label_sheet_pdf
    drawn: list[int] = []

    def second_part_breaks(contents, out):
        if drawn:
            raise OSError("disk full")
        drawn.append(real_draw(contents, out))

    monkeypatch.setattr(labels, "label_sheet_pdf", second_part_breaks)
    with pytest.raises(OSError):
        services.label_sheet_build(sheet_id=sheet.pk, part_pages=1)
    sheet.refresh_from_db()
    job = Job.objects.get(pk=sheet.job_id)
    assert (job.status, job.message, bool(sheet.pdf)) == ("failed", "disk full", False)
    assert not label_sheets.label_sheet_workdir(sheet).exists()


def test_a_big_sheet_is_drawn_in_parts_of_at_most_twenty_pages():
    assert labels.label_part_pages(1) == 1
    assert labels.label_part_pages(60) == 1  # two pages, two parts: the bar moves
    assert labels.label_part_pages(10_000) == 19  # 223 pages in twelve parts
    assert labels.label_part_pages(1_000_000) == labels.PART_PAGES == 20
