"""The panel URL as a QR code in the terminal: what a tablet's camera sees decodes back to the
URL (zxing-cpp reads the text drawn as a terminal would: light characters on a dark screen)."""

from __future__ import annotations

import io

import zxingcpp

from companion.control.qr import print_qr, qr_matrix, qr_text

URL = "http://192.168.1.20:8470/?token=3MlMC_BvP4RqOEdF2Bgm-_ZDFWno6ye1"
LIGHT = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


def _screen(text: str, scale: int = 6) -> memoryview:
    """The text as a dark terminal shows it: a character's light half is lit, the rest dark."""
    rows: list[list[bool]] = []
    for line in text.splitlines():
        top, bottom = zip(*(LIGHT[c] for c in line), strict=True)
        rows += [list(top), list(bottom)]
    pixels = bytearray()
    for row in rows:
        line = bytes(255 if lit else 0 for lit in row for _ in range(scale))
        pixels += line * scale
    return memoryview(bytes(pixels)).cast("B", (len(rows) * scale, len(rows[0]) * scale))


def test_the_terminal_code_decodes_to_the_url():
    text = qr_text(URL)
    found = zxingcpp.read_barcode(_screen(text), try_invert=False)
    assert found is not None and found.text == URL
    matrix = qr_matrix(URL)
    assert len(text.splitlines()) == (len(matrix) + 1) // 2  # two rows of modules a line
    assert {len(line) for line in text.splitlines()} == {len(matrix)}


def test_plain_ascii_where_the_terminal_cannot_show_blocks():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    print_qr(URL, file=stream)
    stream.flush()
    text = stream.buffer.getvalue().decode("ascii")
    lines = text.splitlines()
    matrix = qr_matrix(URL)
    assert len(lines) == len(matrix)
    rebuilt = [[line[2 * i : 2 * i + 2] == "  " for i in range(len(matrix))] for line in lines]
    assert rebuilt == matrix  # '##' light, '  ' dark: the same modules
    unicode_out = io.StringIO()
    print_qr(URL, file=unicode_out)  # a StringIO has no encoding limits: half blocks
    assert "▀" in unicode_out.getvalue() or "▄" in unicode_out.getvalue()
