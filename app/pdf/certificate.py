"""Electronic training certificate (电子证书): one A4 landscape page per participant.

    render(data, font_path=None) -> bytes         the certificate, with its QR code
    render_many(items, font_path=None)            one PDF per item, in order

Layout only, on reportlab's public API: the text is set in the CJK font of
`fonts.py` (embedded as a subset; the canvas starts in it, so `pdffonts`
lists nothing else), the QR code comes from `qr.py` (segno) and holds exactly
`verify_url`. No Flask app is needed (the font path defaults to the app's
XUESHI_CJK_FONT when there is an app context, else to the Debian path).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Iterable, Iterator

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from . import fonts, qr as qrcode

__all__ = ["CertificateData", "render", "render_many", "body_text"]

PAGE_W, PAGE_H = landscape(A4)
TITLE = "继续教育培训证书"


@dataclass(frozen=True)
class CertificateData:
    number: str            # the certificate's identifier, printed as is
    verify_url: str        # the URL encoded in the QR code
    person_name: str       # shown in full
    id_number_masked: str  # e.g. "370203********1234"
    class_name: str
    organiser: str         # base / department / unit name
    start: date
    end: date
    category: str          # "公需科目" or "专业科目"
    hours: str             # e.g. "16" or "22.5"
    issuer: str            # "青岛市继续教育协会"
    issued_on: date


# --------------------------------------------------------------------------- layout

MARGIN_X = 96.0
QR_SIZE = 104.0
QR_X, QR_Y = MARGIN_X, 80.0
BODY_TOP = PAGE_H - 196.0            # below the certificate number
BODY_BOTTOM = QR_Y + QR_SIZE + 20.0  # lowest baseline: descenders clear the QR code
RED = (0.62, 0.11, 0.11)
_BODY_SIZES = (18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6)
_TOKEN = re.compile(r"[A-Za-z0-9*.\-_/@#&+%]+| +|.", re.S)
_NO_START = frozenset("，。、；：！？）》」』”’,.;:!?)]%")
_NO_END = frozenset("（《「『“‘([")


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def body_text(data: CertificateData) -> str:
    """The certificate's statement, as one paragraph."""
    period = _cn_date(data.start)
    if data.end != data.start:
        period += "至" + _cn_date(data.end)
    return (f"兹证明 {data.person_name}（身份证号：{data.id_number_masked}）于{period}"
            f"参加由{data.organiser}举办的《{data.class_name}》培训，类别：{data.category}，"
            f"获得继续教育学时 {data.hours} 学时。")


def _wrap(text: str, width_of, width: float, indent: float) -> list[tuple[str, float]]:
    """Lines of at most `width` (the first `indent` narrower) as (text, natural width).

    Chinese breaks between any two characters, runs of ASCII letters and
    digits stay whole unless longer than a line, closing punctuation may hang
    past the margin rather than start a line, opening punctuation never ends one."""
    lines: list[tuple[str, float]] = []
    cur: list[str] = []
    cur_w = 0.0
    avail = width - indent

    def flush():
        nonlocal cur, cur_w, avail
        while cur and cur[-1][0] == " ":
            cur_w -= width_of(cur.pop())
        carry = []
        while len(cur) > 1 and cur[-1] in _NO_END:
            t = cur.pop()
            cur_w -= width_of(t)
            carry.insert(0, t)
        if cur:
            lines.append(("".join(cur), cur_w))
            avail = width
        cur, cur_w = carry, sum(map(width_of, carry))

    for tok in _TOKEN.findall(text):
        w = width_of(tok)
        if tok[0] == " ":
            if cur:
                cur.append(tok)
                cur_w += w
            continue
        if cur_w + w <= avail or (tok in _NO_START and cur):
            cur.append(tok)
            cur_w += w
            continue
        if w <= width or len(tok) == 1:  # to the next line
            if cur:
                flush()
            cur.append(tok)
            cur_w += w
            continue
        for ch in tok:  # a word longer than a line: break it anywhere, from here
            cw = width_of(ch)
            if cur and cur_w + cw > avail:
                flush()
            cur.append(ch)
            cur_w += cw
    flush()
    # no lone character or two on the last line: take some from the line above
    if len(lines) > 1 and len(lines[-1][0]) < 4 and len(lines[-2][0]) > 8:
        prev, last = lines[-2][0], lines[-1][0]
        toks = _TOKEN.findall(prev)
        moved = ""
        while toks and len((moved + last).replace(" ", "")) < 4:
            moved = toks.pop() + moved
            while toks and (toks[-1] in _NO_END or moved[0] in _NO_START):
                moved = toks.pop() + moved
        prev = "".join(toks).rstrip()
        last = moved.lstrip() + last
        if prev and width_of(last) <= width:
            lines[-2:] = [(prev, width_of(prev)), (last, width_of(last))]
    return lines


def _draw(c: Canvas, fname: str, data: CertificateData) -> None:
    ems: dict[str, float] = {}

    def em(s: str) -> float:  # width at size 1; the body is wrapped at several sizes
        w = ems.get(s)
        if w is None:
            w = ems[s] = fonts.width(s, fname, 1)
        return w

    # frame
    c.setStrokeColorRGB(*RED)
    c.setLineWidth(3)
    c.rect(20, 20, PAGE_W - 40, PAGE_H - 40, stroke=1, fill=0)
    c.setLineWidth(0.8)
    c.rect(28, 28, PAGE_W - 56, PAGE_H - 56, stroke=1, fill=0)

    # title, letter-spaced (the spacing is reset: it is text state, kept across BT/ET)
    size, space = 34.0, 10.0
    t = c.beginText((PAGE_W - em(TITLE) * size - space * (len(TITLE) - 1)) / 2, PAGE_H - 116)
    t.setFont(fname, size)
    t.setFillColorRGB(*RED)
    t.setCharSpace(space)
    t.textOut(TITLE)
    t.setCharSpace(0)
    c.drawText(t)

    c.setFillColorRGB(0, 0, 0)
    c.setFont(fname, 11)
    c.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 156, f"证书编号：{data.number}")

    # the statement, as large as fits between the number and the signature block
    width = PAGE_W - 2 * MARGIN_X
    box = BODY_TOP - BODY_BOTTOM

    def fit(text, sizes):
        for size in sizes:
            leading = size * (1.9 if size >= 12 else 1.6)
            lines = _wrap(text, lambda s, k=size: em(s) * k, width, 2 * size)
            if (len(lines) - 1) * leading + size <= box:
                return size, leading, lines
        return None

    layout = fit(body_text(data), _BODY_SIZES)
    cut = data.class_name
    while layout is None and len(cut) > 1:  # thousands of characters: shorten the class name
        cut = cut[:len(cut) * 9 // 10]
        layout = fit(body_text(replace(data, class_name=cut + "…")), _BODY_SIZES[-1:])
    if layout is None:  # cannot happen with names of sane length; overflow rather than fail
        size = _BODY_SIZES[-1]
        leading = size * 1.6
        lines = _wrap(body_text(data), lambda s: em(s) * size, width, 2 * size)
    else:
        size, leading, lines = layout
    t = c.beginText()
    t.setFont(fname, size, leading)
    # centred in the box, a little high
    spare = BODY_TOP - BODY_BOTTOM - ((len(lines) - 1) * leading + size)
    y = BODY_TOP - size - 0.4 * spare
    last = len(lines) - 1
    for i, (line, lw) in enumerate(lines):
        indent = 2 * size if i == 0 else 0
        gap = 0.0
        if i < last and len(line) > 1 and lw < width - indent:
            gap = (width - indent - lw) / (len(line) - 1)
            if gap > 0.1 * size:  # too loose to justify: leave it ragged
                gap = 0.0
        t.setTextOrigin(MARGIN_X + indent, y)
        t.setCharSpace(gap)
        t.textOut(line)
        y -= leading
    t.setCharSpace(0)
    c.drawText(t)

    # issuer and date
    c.setFont(fname, 15)
    c.drawRightString(PAGE_W - MARGIN_X, 128, f"发证单位：{data.issuer}")
    c.drawRightString(PAGE_W - MARGIN_X, 100, f"发证日期：{_cn_date(data.issued_on)}")

    qrcode.draw(c, data.verify_url, QR_X, QR_Y, QR_SIZE)
    c.setFont(fname, 10)
    c.drawCentredString(QR_X + QR_SIZE / 2, QR_Y - 22, "扫码验证")  # 4+ modules clear


def _render(data: CertificateData, fname: str) -> bytes:
    c = Canvas(None, pagesize=(PAGE_W, PAGE_H), initialFontName=fname, initialFontSize=12)
    c.setTitle(f"{TITLE} {data.number}")
    c.setAuthor(data.issuer)
    c.setSubject(data.class_name)
    _draw(c, fname, data)
    c.showPage()
    with fonts.RENDER_LOCK:
        return c.getpdfdata()


def render(data: CertificateData, *, font_path: str | None = None) -> bytes:
    """The certificate of `data` as a one-page PDF."""
    return _render(data, fonts.font(font_path))


def render_many(items: Iterable[CertificateData], *, font_path: str | None = None
                ) -> Iterator[bytes]:
    """One certificate PDF per item, lazily, in order."""
    fname = fonts.font(font_path)
    for data in items:
        yield _render(data, fname)
