"""Documents of flowing text and tables (platypus): the year certificate
(年度学时证明) and reports, in the CJK font of `fonts.py`."""
from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from flask_babel import gettext

from ..formatting import hours, local_time
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import fonts
from .qr import QrFlowable


def font_name() -> str:
    return fonts.font()


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER),
        "body": ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16),
        "small": ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12,
                                textColor=colors.grey),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12),
    }


def text(value) -> str:
    """Any value as Paragraph input that reads as itself: Paragraph parses
    its input as markup, so "<img src=…/>" in a claim title would embed a
    server file or break the document."""
    return escape("" if value is None else str(value))


def table(rows: list[list], widths: list[float], header: bool = True) -> Table:
    st = styles()
    data = [[Paragraph(text(c), st["cell"]) for c in row] for row in rows]
    tbl = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("FONT", (0, 0), (-1, -1), font_name(), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")))
    tbl.setStyle(TableStyle(commands))
    return tbl


def build(title: str, flowables: list, *, author: str = "青岛市继续教育协会") -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=title, author=author,
                            initialFontName=font_name(),
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm)
    with fonts.RENDER_LOCK:
        doc.build(flowables)
    return buf.getvalue()


def year_certificate(*, year: int, number: str, verify_url: str, name: str, id_number: str,
                     unit: str, items: list[list], totals: dict, issued_at: datetime) -> bytes:
    """年度学时证明: its identifier, the items of a person's year, the totals and a
    QR code holding `verify_url`."""
    st = styles()
    title = gettext("Certificate of continuing-education hours, %(year)d", year=year)
    if totals["compliant"] is None:  # out of scope: no verdict here (不适用)
        verdict = totals["not_applicable"]
    elif totals["compliant"]:
        verdict = gettext("The year's requirement (30 public and 60 professional hours) is met.")
    else:
        verdict = gettext(
            "The year's requirement (30 public and 60 professional hours) is not met: "
            "%(public)s public and %(professional)s professional hours are missing.",
            public=hours(totals["shortfall_public"]),
            professional=hours(totals["shortfall_professional"]))
    story = [
        Paragraph(text(title), st["title"]),
        Spacer(1, 2 * mm),
        Paragraph(gettext("Certificate number: %(number)s", number=text(number)), st["small"]),
        Spacer(1, 4 * mm),
        Paragraph(gettext("Name: %(name)s    ID number: %(id)s", name=text(name), id=text(id_number)),
                  st["body"]),
        Paragraph(gettext("Unit: %(unit)s", unit=text(unit)), st["body"]),
        Spacer(1, 4 * mm),
        table([[gettext("Title"), gettext("Kind (clause)"), gettext("Date"), gettext("Public hours"),
                gettext("Professional hours"), gettext("Notes")],
               *[[hours(cell) if i in (3, 4) else cell for i, cell in enumerate(row)] for row in items]],
              [44 * mm, 32 * mm, 26 * mm, 20 * mm, 20 * mm, 32 * mm]),
        Spacer(1, 4 * mm),
        Paragraph(gettext(
            "Total: %(public)s public and %(professional)s professional hours, %(total)s in all.",
            public=hours(totals["public"]), professional=hours(totals["professional"]),
            total=hours(totals["total"])),
            st["body"]),
        Paragraph(verdict, st["body"]),
        Spacer(1, 8 * mm),
        Paragraph(gettext("Issued %(at)s by the Qingdao continuing-education platform.",
                          at=local_time(issued_at)), st["small"]),
        Spacer(1, 4 * mm),
        QrFlowable(verify_url, 28 * mm),
        Spacer(1, 1 * mm),
        Paragraph(gettext("Scan to verify"), st["small"]),
    ]
    return build(title, story)
