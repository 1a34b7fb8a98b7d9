"""Lot labels: one PNG for a 40×30 mm thermal label, and A4 PDF sheets of many labels.

The QR holds the lot's short URL in upper case (``HTTPS://HOST/L/CODE``): every character is in
the QR alphanumeric set, which packs 5.5 bits a character instead of 8, so the code fits a small
version-3 symbol at error correction Q (25 % of it may be dirty or torn). The label also prints
the code for people, the product, quantity, batch and workshop in Chinese.

PNG: 320×240 dots (40×30 mm at 203 dpi), 1-bit, each QR module a whole number of dots.
Chinese text needs a CJK font with Pillow: we look for one (WenQuanYi Zen Hei from the Debian
package ``fonts-wqy-zenhei``, Noto Sans CJK, Droid Sans Fallback, or ``SHOUCHUANG_CJK_FONT``);
without one the label still carries the QR, the code and the numbers.

PDF: reportlab with a CJK TrueType font embedded as a subset (``core.pdf_fonts``: every viewer
and printer shows the Chinese, not only those with Adobe's font pack). Each QR is an inline
1-bit image mask, one pixel a module (from zxing-cpp's C++ encoder, else ``qrcode``), scaled to
22 mm: printers and viewers draw image masks without smoothing, and it is a third of the bytes
of vector rectangles. A reportlab canvas keeps every page until it saves, so a big sheet is
drawn in parts of at most ``PART_PAGES`` pages, each its own small PDF (its own font subset),
and the parts are joined by pypdf (``label_sheet_parts_join``): memory stays flat however many
labels there are.
"""

import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab import rl_config

from core.pdf_fonts import pdf_font
from core.qr import QUIET_ZONE, qr_matrix

try:  # a fast C++ QR encoder (a dependency); qrcode is the pure-Python fallback
    import zxingcpp
except ImportError:  # pragma: no cover
    zxingcpp = None

DPI = 203
LABEL_MM = (40, 30)
LABEL_DOTS = tuple(round(mm / 25.4 * DPI) for mm in LABEL_MM)  # (320, 240)
CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]


@dataclass(frozen=True)
class LabelContent:
    code: str
    url: str
    product: str
    quantity: int
    batch: str
    workshop: str
    kind: str


@cache
def cjk_font_path() -> str | None:
    configured = os.environ.get("SHOUCHUANG_CJK_FONT")
    if configured and Path(configured).exists():
        return configured
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                [fc_match, "-f", "%{file}", ":lang=zh"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).exists() and _has_cjk(found):
            return found
    return None


def _has_cjk(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 16)
    except OSError:
        return False
    return font.getmask("货").getbbox() is not None


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _fit(text: str, font, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def label_png(content: LabelContent) -> bytes:
    """One 40×30 mm label at 203 dpi as a 1-bit PNG."""
    width, height = LABEL_DOTS
    image = Image.new("L", (width, height), 255)
    matrix = qr_matrix(content.url)
    modules = len(matrix) + 2 * QUIET_ZONE
    dots = max(1, (height - 40) // modules)  # whole dots per module, room for a line below
    side = modules * dots
    qr = Image.new("L", (side, side), 255)
    draw_qr = ImageDraw.Draw(qr)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x = (c + QUIET_ZONE) * dots
                y = (r + QUIET_ZONE) * dots
                draw_qr.rectangle([x, y, x + dots - 1, y + dots - 1], fill=0)
    image.paste(qr, (0, 0))
    draw = ImageDraw.Draw(image)
    text_x = side + 2
    text_w = width - text_x - 4
    cjk = cjk_font_path() is not None
    big, small = _font(22), _font(17)
    y = 10
    lines = [
        (content.product if cjk else "", small),
        ((f"数量 {content.quantity} 件" if cjk else f"x{content.quantity}"), small),
        ((f"批次 {content.batch}" if cjk else f"#{content.batch}"), small),
        (content.workshop if cjk else "", small),
        (content.kind if cjk else "", small),
    ]
    for text, font in lines:
        if not text:
            continue
        draw.text((text_x, y), _fit(text, font, text_w), font=font, fill=0)
        y += 24
    # The code for people, large, under the QR (grouped 4-5 for reading aloud).
    readable = f"{content.code[:4]} {content.code[4:]}"
    draw.text((QUIET_ZONE * dots, side - 2), readable, font=big, fill=0)
    bw = image.point(lambda v: 0 if v < 128 else 255, mode="1")
    out = io.BytesIO()
    bw.save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


# --- PDF sheets ------------------------------------------------------------------------------

MM = 72 / 25.4  # PDF points per millimetre
SHEET_COLUMNS, SHEET_ROWS = 5, 9  # 5 × 40 mm = 200 mm, 9 × 30 mm = 270 mm on A4
PER_PAGE = SHEET_COLUMNS * SHEET_ROWS
# A part is at most 20 pages (900 labels, about 1 MiB of drawing): the most one canvas holds
# at once. Each part embeds its own font subset (some 20 KB), so parts are not made smaller.
PART_PAGES = 20
SHEET_TITLE = "Shouchuang lot labels"
PROGRESS_STEPS = 12  # a small sheet still moves its progress bar in about twelve parts

# Page streams compressed with Flate alone, not also ASCII85-encoded (a 7-bit transport
# encoding no printer or viewer needs): files a fifth smaller and a sixth quicker to write.
# reportlab reads this when it writes a file, so it holds for every PDF of the process.
rl_config.useA85 = 0


def label_part_pages(total: int) -> int:
    """Pages per part for a sheet of ``total`` labels: about twelve parts (each one step of
    the progress bar), never more than ``PART_PAGES`` pages."""
    pages = -(-total // PER_PAGE)
    return max(1, min(PART_PAGES, -(-pages // PROGRESS_STEPS)))


def label_sheet_pdf(contents: Iterable[LabelContent], out) -> int:
    """Write an A4 PDF of labels to ``out`` (a file object) with one canvas; returns the number
    of labels. reportlab keeps every page until it saves, so this is for one part of a sheet
    (``label_sheet_parts_join`` makes the sheet); the same labels give the same bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    font = pdf_font()
    page_w, page_h = A4
    margin_x = (page_w - SHEET_COLUMNS * 40 * MM) / 2
    margin_y = (page_h - SHEET_ROWS * 30 * MM) / 2
    # The initial font too: a base-14 font (Helvetica) is never embedded. Invariant: no clock
    # or random file id, so a part built again is the same bytes.
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=font, invariant=1)
    canvas.setTitle(SHEET_TITLE)
    done = 0
    for content in contents:
        slot = done % PER_PAGE
        if done and slot == 0:
            canvas.showPage()
        col, row = slot % SHEET_COLUMNS, slot // SHEET_COLUMNS
        x0 = margin_x + col * 40 * MM
        y0 = page_h - margin_y - (row + 1) * 30 * MM
        _draw_label(canvas, content, x0, y0, font)
        done += 1
    canvas.save()
    return done


def label_sheet_parts_join(parts: Iterable[Path], out) -> int:
    """Join the part PDFs, in order, into one file written to ``out``; returns its pages.

    pypdf reads each part lazily and keeps only the compressed objects of the pages it has
    taken (about the size of the finished file), never a canvas's drawing of them."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    writer.add_metadata({"/Title": SHEET_TITLE, "/Producer": "Shouchuang (reportlab, pypdf)"})
    writer.write(out)
    return len(writer.pages)


def _qr_mask(url: str) -> tuple[int, str]:
    """The QR modules (no quiet zone) as a 1-bit image, hex: (modules a side, data).

    Dark modules are 0 bits, which an image mask paints. zxing-cpp's C++ encoder when it is
    installed, else ``qrcode``; both pick the alphanumeric mode for an uppercase URL."""
    if zxingcpp is not None and hasattr(zxingcpp, "create_barcode"):
        symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
        image = symbol.to_image(scale=1, add_quiet_zones=False)
        side, grey = image.shape[0], bytes(image)
    else:  # pragma: no cover - zxing-cpp is a dependency
        matrix = qr_matrix(url)
        side = len(matrix)
        grey = bytes(0 if dark else 255 for row in matrix for dark in row)
    bits = Image.frombytes("L", (side, side), grey).convert("1", dither=Image.Dither.NONE)
    return side, bits.tobytes().hex()


def _draw_label(canvas, content: LabelContent, x0: float, y0: float, font: str) -> None:
    # The QR as an inline 1-bit image mask, one pixel a module, scaled to 22 mm with its quiet
    # zone: a third of the bytes of one rectangle per run of dark modules, and quicker to make.
    side, bits = _qr_mask(content.url)
    unit = 22 * MM / (side + 2 * QUIET_ZONE)
    qx, qy = x0 + 1 * MM + QUIET_ZONE * unit, y0 + 7 * MM + QUIET_ZONE * unit
    size = side * unit
    canvas.addLiteral(
        f"q {size:.3f} 0 0 {size:.3f} {qx:.3f} {qy:.3f} cm "
        f"BI /W {side} /H {side} /IM true /BPC 1 /F /AHx ID {bits}> EI Q"
    )
    canvas.setFont(font, 9)
    canvas.drawString(x0 + 2 * MM, y0 + 3 * MM, f"{content.code[:4]} {content.code[4:]}")
    canvas.setFont(font, 6.5)
    tx = x0 + 23.5 * MM
    lines = [
        content.product[:8],
        content.product[8:16],
        f"数量 {content.quantity} 件",
        f"批次 {content.batch}",
        content.workshop[:8],
        content.kind,
    ]
    y = y0 + 25 * MM
    for line in lines:
        if line:
            canvas.drawString(tx, y, line)
            y -= 3.4 * MM
