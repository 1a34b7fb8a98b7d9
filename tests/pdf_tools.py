"""What a PDF viewer would see, asked of poppler's command-line tools (Debian poppler-utils,
installed by .ci/run): which fonts a PDF uses and whether each is embedded, and its text."""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PdfFont:
    name: str
    embedded: bool
    row: str  # the whole line, for the failure message


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (Debian poppler-utils) is not installed; .ci/run installs it")
    return path


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[PdfFont]:
    """The rows of ``pdffonts``: name, type, and its "emb" column."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [_tool("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    header = lines[0]
    emb = header.index("emb")
    fonts = []
    for line in lines[2:]:  # a header and a rule of dashes, then one font a line
        columns = line[emb:].split()
        fonts.append(PdfFont(name=line.split()[0], embedded=columns[0] == "yes", row=line))
    return fonts


def pdf_text(pdf: bytes, tmp_path: Path, *, page: int = 1) -> str:
    """The text of one page as ``pdftotext`` extracts it (what copy and search find)."""
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [_tool("pdftotext"), "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_page_image(pdf: bytes, tmp_path: Path, *, page: int = 1, dpi: int = 150) -> bytes:
    """One page rendered by ``pdftoppm`` (what a printer would put on paper): PNG bytes."""
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [_tool("pdftoppm"), "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", str(path)],
        capture_output=True,
        check=True,
    ).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    """The number of pages ``pdfinfo`` counts."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True
    ).stdout
    return int(next(line for line in out.splitlines() if line.startswith("Pages:")).split()[1])


def pdf_page_png(pdf: bytes, tmp_path: Path, *, page: int = 1, dpi: int = 200) -> Path:
    """One page rendered to a PNG by ``pdftoppm`` (what a printer would put on paper)."""
    path = tmp_path / "render.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / "render"
    subprocess.run(
        [_tool("pdftoppm"), "-f", str(page), "-l", str(page), "-r", str(dpi), "-png",
         "-singlefile", str(path), str(prefix)],
        check=True,
    )  # fmt: skip
    return prefix.with_suffix(".png")
