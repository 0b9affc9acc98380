"""QR codes (error correction M) from segno, drawn into a reportlab canvas as
vector rectangles, one per horizontal run of dark modules."""
from __future__ import annotations

from itertools import groupby

import segno
from reportlab.platypus import Flowable


def matrix(text: str) -> tuple:
    """Rows of modules (truthy = dark), without the quiet zone."""
    return segno.make(text, error="m", micro=False, boost_error=False).matrix


def draw(canvas, text: str, x: float, y: float, size: float) -> None:
    """The code of `text` as a `size` square with its lower left corner at (x, y)."""
    rows = matrix(text)
    n = len(rows)
    m = size / n
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * m
        col = 0
        for dark, run in groupby(row):
            k = len(tuple(run))
            if dark:
                path.rect(x + col * m, top, k * m, m)
            col += k
    canvas.drawPath(path, stroke=0, fill=1)


class QrFlowable(Flowable):
    """A QR code in a platypus story (with the quiet zone scanners need around it)."""

    def __init__(self, text: str, size: float):
        super().__init__()
        self.text, self.size = text, size
        self.width = self.height = size

    def draw(self):
        draw(self.canv, self.text, 0, 0, self.size)
