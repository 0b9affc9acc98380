"""The zip bombs an xlsx upload can be (issue 14, item 4), each refused with a
Chinese message within a second and without memory growth, before openpyxl
reads a byte: many entries, a sheet deflated a thousandfold, an entry that
declares less than it inflates to. (A sheet declaring a million rows and a
100 MB shared string: tests/test_hardening.py.)"""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from tests.test_hardening import SHEET_HEAD, _refused_fast, _workbook_parts, _zip


@pytest.fixture(autouse=True)
def logged_in(api):
    """The uploader has logged in before the clock starts (the login is not the upload)."""
    assert api("unit_reviewer", "GET", "/api/v1/person/?q=(page_size:1)").status_code == 200


def test_a_workbook_of_many_entries_is_refused(api):
    parts = _workbook_parts(SHEET_HEAD + b"<sheetData/></worksheet>")
    parts.update({f"xl/media/image{n}.png": b"" for n in range(5000)})
    resp = _refused_fast(api, _zip(parts))
    assert "太大" in str(resp.json["message"]) or "最多" in str(resp.json["message"])


def test_a_sheet_deflated_a_thousandfold_is_refused(api):
    filler = b"<row/>" * (40 * 1024 * 1024 // 6)  # 40 MB of blank rows, about 40 KB deflated
    body = _zip(_workbook_parts(SHEET_HEAD + b"<sheetData>" + filler + b"</sheetData></worksheet>"))
    del filler
    assert len(body) < 200 * 1024
    resp = _refused_fast(api, body)
    assert "太大" in str(resp.json["message"]) or "最多" in str(resp.json["message"])


def _lie_about_sizes(body: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s declared uncompressed size set to `size`, in its
    local header and its central directory entry alike."""
    data = bytearray(body)
    encoded = name.encode()
    at = 0
    while (at := data.find(encoded, at + 1)) != -1:
        if data[at - 30:at - 26] == b"PK\x03\x04":  # local header: size at +22
            struct.pack_into("<I", data, at - 30 + 22, size)
        elif data[at - 46:at - 42] == b"PK\x01\x02":  # central directory: size at +24
            struct.pack_into("<I", data, at - 46 + 24, size)
    return bytes(data)


def test_an_entry_inflating_past_its_declared_size_is_refused(api):
    sheet = SHEET_HEAD + b"<sheetData>" + b"<row/>" * 100_000 + b"</sheetData></worksheet>"
    body = _lie_about_sizes(_zip(_workbook_parts(sheet)), "xl/worksheets/sheet1.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:  # the lie is what the archive says
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    _refused_fast(api, body)
