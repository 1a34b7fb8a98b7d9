"""QR symbols for printed sheets (lot labels, household cards): the module matrix, and the
dark modules as PDF rectangles.

The matrices of a sheet come from zxing-cpp's C++ encoder when it is installed (``fast``), 30×
quicker than the pure-Python ``qrcode``; both pick the alphanumeric mode for an uppercase URL.
Modules are drawn as vector rectangles, one per horizontal run of dark modules, written as
literal PDF operators so that thousands of symbols take seconds.
"""

import qrcode
from qrcode.constants import ERROR_CORRECT_Q

try:  # optional: a fast C++ QR encoder for big sheets
    import zxingcpp
except ImportError:  # pragma: no cover
    zxingcpp = None

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 asks


def qr_matrix(url: str, *, fast: bool = False) -> list[list[bool]]:
    """The QR modules (no quiet zone), error correction Q.

    ``fast`` (sheets of thousands of labels) uses zxing-cpp's C++ encoder when it is installed,
    30× quicker than the pure-Python ``qrcode``; both pick the alphanumeric mode for an
    uppercase URL (the 29×29 symbol of version 3 proves it: in byte mode it would not fit).
    """
    if fast and zxingcpp is not None and hasattr(zxingcpp, "create_barcode"):
        symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="Q")
        image = symbol.to_image(scale=1, add_quiet_zones=False)
        data, size = bytes(image), image.shape[0]
        return [[data[r * size + c] == 0 for c in range(size)] for r in range(size)]
    symbol = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, border=0)
    symbol.add_data(url, optimize=0)
    symbol.make(fit=True)
    return symbol.get_matrix()


def runs(matrix: list[list[bool]]) -> str:
    """PDF rectangles (in module units, y up) for each horizontal run of dark modules."""
    size = len(matrix)
    parts: list[str] = []
    for r, row in enumerate(matrix):
        y = size - 1 - r
        c = 0
        while c < size:
            if row[c]:
                start = c
                while c < size and row[c]:
                    c += 1
                parts.append(f"{start} {y} {c - start} 1 re")
            else:
                c += 1
    return " ".join(parts)


def draw_qr(canvas, url: str, *, x: float, y: float, side: float) -> None:
    """Draw the symbol of ``url`` with its quiet zone in a ``side``-point square at (x, y)."""
    matrix = qr_matrix(url, fast=True)
    unit = side / (len(matrix) + 2 * QUIET_ZONE)
    qx, qy = x + QUIET_ZONE * unit, y + QUIET_ZONE * unit
    canvas.addLiteral(f"q {unit:.4f} 0 0 {unit:.4f} {qx:.3f} {qy:.3f} cm {runs(matrix)} f Q")
