"""The font every PDF draws with: a free CJK TrueType font, embedded as a subset.

reportlab's built-in STSong-Light is a CID font that is *named*, not embedded: a viewer without
Adobe's Chinese font pack substitutes another font or leaves the Chinese out. A TrueType font
registered with reportlab's ``TTFont`` is embedded with only the glyphs a document uses (a few
tens of KB), so a statement or a label sheet reads the same in every viewer and printer.

The font file is a setting, ``PDF_CJK_FONT`` (env ``SHOUCHUANG_PDF_FONT``), by default
WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei`` (a TrueType collection: its face is
picked by ``PDF_CJK_FONT_INDEX``). It has Latin letters and digits too, so one font serves the
whole page and no base-14 font (never embedded) is left in the file.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PdfFontMissing(ImproperlyConfigured):
    """The configured font file is not there (an operator's error, not a user's)."""


def pdf_font_problem() -> str | None:
    """Why PDFs cannot be drawn with the configured font, or None when they can."""
    path = Path(settings.PDF_CJK_FONT)
    if not path.is_file():
        return (
            f"PDF_CJK_FONT: no font file at {path}. Install Debian's fonts-wqy-microhei "
            "(apt-get install fonts-wqy-microhei) or set SHOUCHUANG_PDF_FONT to a TrueType "
            "font (.ttf/.ttc) with Chinese glyphs."
        )
    return None


def pdf_font() -> str:
    """The reportlab name of the CJK font, registered on first use (bold and italic map to
    the same face: a label or a statement needs no other)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path, index = str(settings.PDF_CJK_FONT), int(settings.PDF_CJK_FONT_INDEX)
    name = f"cjk-{Path(path).stem}-{index}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    problem = pdf_font_problem()
    if problem:
        raise PdfFontMissing(problem)
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except TTFError as exc:
        raise PdfFontMissing(f"PDF_CJK_FONT: {path} (face {index}) is not usable: {exc}") from exc
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return name


def pdf_font_check(app_configs=None, **kwargs) -> list:
    """A system check (``manage.py check``, runserver, migrate): say at start-up, not at the
    first PDF, that the font is missing."""
    from django.core.checks import Warning

    problem = pdf_font_problem()
    return [Warning(problem, id="core.W001")] if problem else []
