"""Small valid files for upload tests."""
from __future__ import annotations

import io

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


def xlsx(headers, rows) -> bytes:
    """A workbook of one sheet: the header row, then `rows`."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def post_file(api, role, url, data: bytes, name: str, **fields):
    return api(role, "POST", url, data={"file": (io.BytesIO(data), name), **fields},
               content_type="multipart/form-data")
