"""Hang-tag sheets: A4 PDFs of 50 × 90 mm tags (4 × 3 a page) to cut and hang on the pieces of
a finished lot. Each tag carries the QR of the lot's story page (``HTTPS://HOST/T/CODE``, in
upper case so the QR uses the alphanumeric mode), the product's name, an invitation to scan
and the tag code for people. Chinese is drawn with the embedded CJK font (``core.pdf_fonts``);
the QR is reportlab's own vector widget.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from core.pdf_fonts import pdf_font

MM = 72 / 25.4
TAG_W, TAG_H = 50 * MM, 90 * MM
COLUMNS, ROWS = 4, 3
PER_PAGE = COLUMNS * ROWS
MAX_TAGS = 600  # 50 pages: a print job a phone or an office printer still takes


def story_url(code: str) -> str:
    return f"{settings.SITE_URL}/T/{code}".upper()


def _qr(url: str, side: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="Q", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def hangtag_sheet_pdf(out, *, code: str, product: str, copies: int) -> int:
    """Write ``copies`` tags of one story code to ``out``; returns the number of pages."""
    font = pdf_font()
    page_w, page_h = A4
    margin_x = (page_w - COLUMNS * TAG_W) / 2
    margin_y = (page_h - ROWS * TAG_H) / 2
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=font)
    canvas.setTitle("Shouchuang hang-tags")
    qr = _qr(story_url(code), 36 * MM)
    lines = _lines(product)
    pages = 1
    for n in range(copies):
        slot = n % PER_PAGE
        if n and slot == 0:
            canvas.showPage()
            pages += 1
        col, row = slot % COLUMNS, slot // COLUMNS
        x0 = margin_x + col * TAG_W
        y0 = page_h - margin_y - (row + 1) * TAG_H
        _draw(canvas, font, qr, lines, code, x0, y0)
    canvas.save()
    return pages


def _lines(product: str) -> list[str]:
    return [product[:10], product[10:20]]


def _draw(canvas, font: str, qr: Drawing, lines: Iterable[str], code: str, x0, y0) -> None:
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    canvas.rect(x0, y0, TAG_W, TAG_H)  # where to cut
    canvas.setDash()
    canvas.circle(x0 + TAG_W / 2, y0 + TAG_H - 6 * MM, 2 * MM)  # where to punch
    canvas.setFont(font, 11)
    canvas.drawCentredString(x0 + TAG_W / 2, y0 + TAG_H - 16 * MM, _("手创共富"))
    canvas.setFont(font, 8)
    y = y0 + TAG_H - 23 * MM
    for line in lines:
        if line:
            canvas.drawCentredString(x0 + TAG_W / 2, y, line)
            y -= 4 * MM
    renderPDF.draw(qr, canvas, x0 + (TAG_W - 36 * MM) / 2, y0 + 14 * MM)
    canvas.setFont(font, 7.5)
    canvas.drawCentredString(x0 + TAG_W / 2, y0 + 9 * MM, _("扫码看这件手作的故事"))
    canvas.setFont(font, 8)
    canvas.drawCentredString(x0 + TAG_W / 2, y0 + 4 * MM, f"{code[:4]} {code[4:]}")
