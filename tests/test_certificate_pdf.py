"""The training certificate PDF (app/pdf/certificate.py), read back as a reader would.

No database and no app: render(..., font_path=...) is called directly. The QR
code is checked by rasterising the page (pdftoppm, poppler-utils) and decoding
it with zbarimg (Debian package zbar-tools); a missing tool fails the test.
"""
from __future__ import annotations

import re
import secrets
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

from app.pdf import certificate as cp
from app.pdf import fonts
from tests import pdfcheck
from tests.pdfcheck import decode_qr, tool

FONT = fonts.DEBIAN_FONT


def make(**changes) -> cp.CertificateData:
    data = cp.CertificateData(
        number="JXPX-51370200MJ0000000N-20260000123-01-1",
        verify_url="http://127.0.0.1:8080/verify/" + secrets.token_urlsafe(48),
        person_name="欧阳娜娜",
        id_number_masked="370203********1234",
        class_name="2026年青岛市中小学教师信息技术应用能力提升专题培训班",
        organiser="青岛市教育局继续教育基地",
        start=date(2026, 4, 1),
        end=date(2026, 4, 3),
        category="专业科目",
        hours="22.5",
        issuer="青岛市继续教育协会",
        issued_on=date(2026, 4, 10),
    )
    return replace(data, **changes)


def write(tmp_path: Path, pdf: bytes, name: str = "cert.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def flat(text: str) -> str:
    """pdftotext's text without layout: a wrapped phrase reads as one."""
    return re.sub(r"\s+", "", text)


def pages(pdf: Path) -> int:
    out = subprocess.run([tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True,
                         text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def words(pdf: Path) -> tuple[float, float, list[tuple[str, float, float, float, float]]]:
    """(page width, page height, words with their boxes, top-down) per `pdftotext -bbox`."""
    out = subprocess.run([tool("pdftotext", "poppler-utils"), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    found = [(w, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out)]
    return float(page.group(1)), float(page.group(2)), found


def test_only_embedded_fonts(tmp_path):
    path = write(tmp_path, cp.render(make(), font_path=FONT))
    fonts = pdfcheck.fonts(path)
    assert fonts
    assert all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts), fonts
    assert all("WenQuanYiMicroHei" in f["name"] for f in fonts), fonts  # no Helvetica
    assert pages(path) == 1


def test_text_reads_back(tmp_path):
    data = make()
    text = pdfcheck.text(write(tmp_path, cp.render(data, font_path=FONT)))
    body = flat(text)
    for part in (cp.TITLE, data.person_name, data.id_number_masked, data.class_name,
                 data.organiser, data.category, data.number, data.issuer, "扫码验证",
                 "2026年4月1日至2026年4月3日", "2026年4月10日"):
        assert part in body, part
    assert f"获得继续教育学时{data.hours}学时。" in body
    assert f"《{data.class_name}》" in body


def test_one_day_class_has_one_date(tmp_path):
    data = make(start=date(2026, 5, 6), end=date(2026, 5, 6), hours="8")
    body = flat(pdfcheck.text(write(tmp_path, cp.render(data, font_path=FONT))))
    assert "于2026年5月6日参加由" in body
    assert "获得继续教育学时8学时。" in body


def test_qr_code_decodes_to_the_verify_url(tmp_path):
    data = make()
    path = write(tmp_path, cp.render(data, font_path=FONT))
    assert decode_qr(path) == [data.verify_url]


def test_longer_verify_url_decodes(tmp_path):
    data = make(verify_url="http://127.0.0.1:8080/verify/" + secrets.token_urlsafe(96))
    path = write(tmp_path, cp.render(data, font_path=FONT))
    assert decode_qr(path) == [data.verify_url]


def _assert_on_page(path: Path) -> None:
    width, height, found = words(path)
    assert found
    qr_top = height - (cp.QR_Y + cp.QR_SIZE)  # top-down
    for w, x0, y0, x1, y1 in found:
        assert 28 <= x0 and x1 <= width - 28 and 28 <= y0 and y1 <= height - 28, (w, x0, y0, x1, y1)
        if w != "扫码验证" and x0 < cp.QR_X + cp.QR_SIZE:
            assert y1 <= qr_top, ("over the QR code", w, y1, qr_top)


def test_long_class_name_wraps_and_stays_on_the_page(tmp_path):
    name = ("关于深入学习贯彻党的二十大精神暨全市专业技术人员数字经济、人工智能与绿色低碳发展"
            "综合能力提升高级研修班（第三期）") * 3
    data = make(class_name=name, organiser="青岛西海岸新区专业技术人员继续教育基地（青岛理工大学继续教育学院）")
    path = write(tmp_path, cp.render(data, font_path=FONT))
    text = pdfcheck.text(path)
    assert len([line for line in text.splitlines() if line.strip()]) > 8  # wrapped
    body = flat(text)
    for part in (f"《{name}》", data.organiser, data.person_name, data.id_number_masked,
                 data.number, f"获得继续教育学时{data.hours}学时。"):
        assert part in body, part
    _assert_on_page(path)
    assert pages(path) == 1
    assert decode_qr(path) == [data.verify_url]


def test_absurdly_long_class_name_is_shortened_not_spilled(tmp_path):
    data = make(class_name="超长班次名称" * 1000)
    path = write(tmp_path, cp.render(data, font_path=FONT))
    body = flat(pdfcheck.text(path))
    assert "…》培训" in body
    assert f"获得继续教育学时{data.hours}学时。" in body and data.number in body
    _assert_on_page(path)


def test_wrap_keeps_words_and_punctuation_rules():
    def width_of(s):
        return float(len(s))
    text = "兹证明 张三（身份证号：370203********1234）于2026年4月1日参加《某某班》培训，获得学时 16 学时。"
    for width in (12, 16, 20, 24, 30, 40):
        lines = cp._wrap(text, width_of, width, 2)
        assert "".join(t for t, _ in lines).replace(" ", "") == text.replace(" ", "")
        for line, w in lines:
            assert line[0] not in "，。）》：", (width, line)   # no closing mark starts a line
            assert line[-1] not in "（《", (width, line)        # no opening mark ends one
            assert w == width_of(line)
            assert w <= width or line[-1] in "，。）》：", (width, line)
        assert len(lines[-1][0].replace(" ", "")) >= 4, lines  # no lone character at the end
        if width >= 20:  # an ID number fits on a line: never broken
            assert any("370203********1234" in line for line, _ in lines), lines


def test_render_many_gives_one_pdf_per_item(tmp_path):
    items = [make(number=f"JXPX-51370200MJ0000000N-2026000012{i}-01-X", person_name=name,
                  verify_url=f"http://127.0.0.1:8080/verify/{secrets.token_urlsafe(40)}")
             for i, name in enumerate(["张三", "李四", "王五"], 1)]
    pdfs = list(cp.render_many(iter(items), font_path=FONT))
    assert len(pdfs) == len(items)
    for i, (data, pdf) in enumerate(zip(items, pdfs)):
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        path = write(tmp_path, pdf, f"cert{i}.pdf")
        assert pages(path) == 1
        assert all(f["emb"] == "yes" for f in pdfcheck.fonts(path))
        body = flat(pdfcheck.text(path))
        assert data.number in body and data.person_name in body
        assert decode_qr(path) == [data.verify_url]


def test_font_path_defaults_to_the_app_config(tmp_path):
    from flask import Flask

    app = Flask(__name__)
    app.config["XUESHI_CJK_FONT"] = FONT
    assert fonts.default_path() == fonts.DEBIAN_FONT  # no app context
    with app.app_context():
        assert fonts.default_path() == FONT
        path = write(tmp_path, cp.render(make()))
    assert all(f["emb"] == "yes" for f in pdfcheck.fonts(path))


def test_font_is_registered_once():
    assert fonts.font(FONT) == fonts.font(FONT)


def test_files_stay_small():
    assert len(cp.render(make(), font_path=FONT)) < 100 * 1024
