"""Household cards on paper: A4 sheets of wallet-sized cards, ten a page, for the lead to print,
cut and hand out.

Each card (85.6 × 54 mm, the size of a bank card, so it fits a wallet and a card sleeve) prints
the household's name, its workshop and village, its code in big grouped characters
(``ABCD-EFGH-J``: read aloud or typed when the camera cannot read the QR) and a QR of its
passbook link (``{SITE_URL}/p/<code>/``), which the lead's phone reads to work by card and the
household's own phone opens as its passbook. The text is drawn with the embedded CJK font
(``core.pdf_fonts``) so that copy, search and ``pdftotext`` find the codes; the QR is vector
rectangles (``core.qr``), as on lot label sheets. The printed words are Chinese: the card is the
household's, whatever language the lead's phone speaks.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse

from core.pdf_fonts import pdf_font
from core.qr import draw_qr

from . import cards

MM = 72 / 25.4  # PDF points per millimetre
CARD_MM = (85.6, 54.0)
COLUMNS, ROWS = 2, 5  # 171.2 × 270 mm on A4 (210 × 297)
PER_PAGE = COLUMNS * ROWS


def passbook_url(code: str) -> str:
    """What a card's QR holds: the household's passbook, which also gives its code back."""
    return f"{settings.SITE_URL}/p/{code}/"


@dataclass(frozen=True)
class CardContent:
    code: str
    name: str
    workshop: str
    village: str

    @property
    def url(self) -> str:
        return passbook_url(self.code)


def card_content(household) -> CardContent:
    return CardContent(
        code=household.card_code,
        name=household.name,
        workshop=household.workshop.organisation.name,
        village=household.village,
    )


def card_sheet_pdf(contents: Iterable[CardContent], out, *, title: str = "") -> int:
    """Write an A4 PDF of cards to ``out`` (a file object); returns the number of cards.
    No card at all still makes one (empty) page: a PDF needs one."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    font = pdf_font()
    page_w, page_h = A4
    card_w, card_h = CARD_MM[0] * MM, CARD_MM[1] * MM
    margin_x = (page_w - COLUMNS * card_w) / 2
    margin_y = (page_h - ROWS * card_h) / 2
    # The initial font too: a base-14 font (Helvetica) is never embedded.
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=font)
    canvas.setTitle(title or "Shouchuang household cards")
    done = 0
    for content in contents:
        slot = done % PER_PAGE
        if done and slot == 0:
            canvas.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x0 = margin_x + col * card_w
        y0 = page_h - margin_y - (row + 1) * card_h
        _draw_card(canvas, content, x0, y0, card_w, card_h, font)
        done += 1
    canvas.save()
    return done


def _fit(canvas, text: str, font: str, size: float, width: float) -> str:
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _draw_card(canvas, content: CardContent, x0, y0, w, h, font: str) -> None:
    # The cutting line: thin and grey, so a slightly crooked cut does not show.
    canvas.saveState()
    canvas.setStrokeGray(0.7)
    canvas.setLineWidth(0.3)
    canvas.roundRect(x0 + 1 * MM, y0 + 1 * MM, w - 2 * MM, h - 2 * MM, 3 * MM)
    canvas.restoreState()
    qr_side = 32 * MM
    draw_qr(canvas, content.url, x=x0 + w - qr_side - 2.5 * MM, y=y0 + 12 * MM, side=qr_side)
    text_x, text_w = x0 + 5 * MM, w - qr_side - 8 * MM
    canvas.setFont(font, 7)
    canvas.drawString(text_x, y0 + h - 8 * MM, "手创 · 农户卡")
    canvas.setFont(font, 15)
    canvas.drawString(text_x, y0 + h - 16 * MM, _fit(canvas, content.name, font, 15, text_w))
    canvas.setFont(font, 8)
    canvas.drawString(text_x, y0 + h - 22 * MM, _fit(canvas, content.workshop, font, 8, text_w))
    if content.village:
        canvas.drawString(
            text_x, y0 + h - 26.5 * MM, _fit(canvas, content.village, font, 8, text_w)
        )
    canvas.setFont(font, 6.5)
    canvas.drawRightString(x0 + w - 5 * MM, y0 + 9.5 * MM, "扫码看账本")
    # The code for people: big, grouped, along the bottom of the card.
    canvas.setFont(font, 17)
    canvas.drawString(text_x, y0 + 5 * MM, cards.display(content.code))


def card_pdf_response(households, *, filename: str) -> HttpResponse:
    """The PDF of these households' cards, inline, never cached (a card opens a passbook)."""
    out = io.BytesIO()
    card_sheet_pdf((card_content(h) for h in households), out, title=filename)
    response = HttpResponse(out.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
