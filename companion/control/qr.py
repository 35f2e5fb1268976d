"""The panel's address as a QR code in the terminal, for a tablet's camera.

Terminals usually draw light text on a dark background, so the code's light modules (and its
quiet border) are drawn as text and its dark modules are left as background: the camera sees
dark modules on light, as printed codes are. Half-block characters put two rows of modules in
one line of text, so the code keeps its square shape; where the terminal cannot show them, two
'#' per module stand in.
"""

from __future__ import annotations

import sys
from typing import TextIO

import qrcode
from qrcode.constants import ERROR_CORRECT_M

BORDER = 2  # modules of quiet zone around the code
HALF_BLOCKS = "█▀▄ "  # both light, top light, bottom light, both dark


def qr_matrix(text: str, border: int = BORDER) -> list[list[bool]]:
    """The code's modules, True for dark, quiet border included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def qr_text(text: str, *, unicode: bool = True, border: int = BORDER) -> str:
    """The code as lines of text: half blocks when `unicode`, else '##' per light module."""
    matrix = qr_matrix(text, border)
    if not unicode:
        return "\n".join("".join("  " if dark else "##" for dark in row) for row in matrix)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))  # a light row to pair the last one with
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):  # rows paired above
        lines.append("".join(_half_block(t, b) for t, b in zip(top, bottom, strict=True)))
    return "\n".join(lines)


def _half_block(top_dark: bool, bottom_dark: bool) -> str:
    if not top_dark and not bottom_dark:
        return HALF_BLOCKS[0]
    if not top_dark:
        return HALF_BLOCKS[1]
    if not bottom_dark:
        return HALF_BLOCKS[2]
    return HALF_BLOCKS[3]


def terminal_qr(text: str, file: TextIO | None = None) -> str:
    """The code for `text` as `file` (standard output by default) can show it."""
    return qr_text(text, unicode=_can_show(file if file is not None else sys.stdout, HALF_BLOCKS))


def print_qr(text: str, file: TextIO | None = None) -> None:
    """Print the code for `text` (the panel URL) to `file` (standard output by default)."""
    print(terminal_qr(text, file), file=file if file is not None else sys.stdout)


def _can_show(out: TextIO, characters: str) -> bool:
    encoding = getattr(out, "encoding", None)
    if encoding is None:  # in-memory text (io.StringIO): any character will do
        return True
    try:
        characters.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
