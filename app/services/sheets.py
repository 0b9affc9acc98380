"""Spreadsheets in and out: Excel (openpyxl) and CSV (UTF-8, with or without BOM).

`read_table()` returns the data rows as dicts keyed by the expected
headers, each with its 1-based sheet row number; a file that cannot be read,
or lacks a header, is refused as a whole.

Every import has one shape: `check_rows()` checks each row into a typed
plan (a dataclass) or problems naming its row and column; only when no row
has a problem are the plans applied, all of them. `SheetProblems` refuses a
file row by row (the step rolls back), and `problems_workbook()` writes the
row-and-column report every import hands back."""
from __future__ import annotations

import csv
import hmac
import io
import itertools
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO, Callable, Generic, Iterable, TypeVar

from flask import abort, current_app
from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..formatting import CELL_AS_IS, for_cell
from ..security.keyed import digest
from . import files
from .errors import BusinessError

MAX_ROWS = 200_000
MAX_COLUMNS = 200
# An .xlsx is a zip: its bounds are checked before openpyxl reads a byte of it.
MAX_ZIP_ENTRIES = 1_000
MAX_UNCOMPRESSED = 256 * 1024 * 1024     # all entries, declared and actually inflated
MAX_SHARED_STRINGS = 64 * 1024 * 1024    # xl/sharedStrings.xml
MAX_RATIO = 200                          # inflated / compressed, for entries over 1 MB
MAX_CELLS = MAX_ROWS * 20
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class SheetRow:
    number: int
    values: dict


Plan = TypeVar("Plan")


class RowReport:
    """The problems found on one row while it is checked."""

    def __init__(self, row: SheetRow):
        self.row = row
        self.problems: list[Problem] = []

    def add(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, column, message))

    def __bool__(self) -> bool:
        return bool(self.problems)


@dataclass
class Checked(Generic[Plan]):
    plans: list[Plan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        """A problem found across rows (a duplicate, a full class…)."""
        self.problems.append(Problem(row, column, message))

    def refuse_if_any(self) -> None:
        if self.problems:
            raise SheetProblems(self.problems)


def check_rows(rows: Iterable[SheetRow],
               check: Callable[[SheetRow, RowReport], Plan | None]) -> Checked[Plan]:
    """`check(row, report)` returns the row's plan or reports its problems; a row
    with problems gives no plan."""
    checked: Checked[Plan] = Checked()
    for row in rows:
        report = RowReport(row)
        plan = check(row, report)
        checked.problems.extend(report.problems)
        if plan is not None and not report:
            checked.plans.append(plan)
    return checked


class SheetProblems(BusinessError):
    """A file refused row by row: nothing was written; `problems` say where."""

    def __init__(self, problems: list[Problem]):
        super().__init__(gettext("Nothing was written: the file has %(n)d problems.", n=len(problems)),
                         field=None, status=400)
        self.problems = sorted(problems, key=lambda p: p.row)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _too_big() -> BusinessError:
    return BusinessError(gettext(
        "The workbook is too large to check: at most %(rows)d rows and %(mb)d MB unpacked.",
        rows=MAX_ROWS, mb=MAX_UNCOMPRESSED // (1024 * 1024)), field="file")


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


def _inflated_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> int:
    """Inflate one entry, counting, and stop past `limit` (the declared size may lie)."""
    size = 0
    with archive.open(info) as fh:
        while chunk := fh.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise _too_big()
    return size


def _declared_entries(data: bytes) -> int:
    """The entry count the archive's end record declares (0 if there is none:
    zipfile then says it is no archive); ZIP64's placeholder counts as too many."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 12 > len(data):
        return 0
    return int.from_bytes(data[at + 10:at + 12], "little")


def check_xlsx_bounds(data: bytes) -> int:
    """Refuse a zip bomb before openpyxl: entry count, declared and inflated
    sizes, compression ratio, shared strings, and each sheet's declared
    dimension (rows, columns, cells). Returns the most rows a sheet declares
    (0 when none declares its dimension)."""
    unreadable = BusinessError(gettext("The file is not a readable Excel (.xlsx) workbook."),
                               field="file")
    if _declared_entries(data) > MAX_ZIP_ENTRIES:  # before zipfile reads every entry's header
        raise _too_big()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise unreadable
    with archive:
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _too_big()
        if sum(i.file_size for i in entries) > MAX_UNCOMPRESSED:
            raise _too_big()
        for info in entries:
            if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _too_big()
            name = info.filename.lower()
            if name == "xl/sharedstrings.xml" and info.file_size > MAX_SHARED_STRINGS:
                raise _too_big()
        total = declared = 0
        try:
            for info in entries:
                name = info.filename.lower()
                if name == "xl/sharedstrings.xml" or name.startswith("xl/worksheets/"):
                    limit = MAX_SHARED_STRINGS if name == "xl/sharedstrings.xml" else MAX_UNCOMPRESSED
                    total += _inflated_size(archive, info, min(limit, info.file_size))
                    if total > MAX_UNCOMPRESSED:
                        raise _too_big()
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(info) as fh:
                        head = fh.read(4096)
                    found = _DIMENSION.search(head)
                    if found and found.group(4):
                        rows = int(found.group(4))
                        columns = _column_number(found.group(3))
                        if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
                            raise _too_big()
                        declared = max(declared, rows)
                    elif found and found.group(2):
                        declared = max(declared, int(found.group(2)))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError,
                NotImplementedError):
            raise unreadable
    return declared


def _rows_from_xlsx(data: bytes):
    check_xlsx_bounds(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
    except Exception:
        raise BusinessError(gettext("The file is not a readable Excel (.xlsx) workbook."), field="file")
    try:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception:  # a malformed cell or sheet part
                raise BusinessError(gettext("The file is not a readable Excel (.xlsx) workbook."),
                                    field="file")
            if len(row) > MAX_COLUMNS:
                raise _too_big()
            yield [v.strip() if type(v) is str else _cell_text(v) for v in row]  # texts inline
    finally:
        book.close()


def _rows_from_csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BusinessError(gettext("The CSV file is neither UTF-8 nor GB18030 text."), field="file")
    for row in csv.reader(io.StringIO(text)):
        yield [v.strip() for v in row]


def uploaded(file_storage) -> tuple[str, bytes]:
    """The name and bytes of an uploaded spreadsheet (at most
    XUESHI_MAX_UPLOAD_BYTES), or a refusal naming `file`."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise BusinessError(gettext("Choose a file to upload."), field="file")
    limit = current_app.config["XUESHI_MAX_UPLOAD_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise BusinessError(gettext("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)),
                            field="file")
    return file_storage.filename, data


def read_sheet(filename: str, data: bytes, required: list[str]) -> tuple[list[str], list[SheetRow]]:
    """The header and the data rows of the first sheet (or the CSV). Each row's
    values hold every named column; the `required` ones must be present."""
    if not data:
        raise BusinessError(gettext("The file is empty."), field="file")
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise BusinessError(gettext("The file is not a readable Excel (.xlsx) workbook."), field="file")
        rows = _rows_from_xlsx(data)
    elif lower.endswith(".csv"):
        rows = _rows_from_csv(data)
    else:
        raise BusinessError(gettext("Upload an Excel (.xlsx) or CSV file."), field="file")
    rows = iter(rows)
    header = None
    for first in rows:
        if any(first):
            header = first
            break
    if header is None:
        raise BusinessError(gettext("The file has no header row."), field="file")
    position = {name: i for i, name in enumerate(header) if name}
    missing = [h for h in required if h not in position]
    if missing:
        raise BusinessError(gettext("Missing columns: %(columns)s", columns="、".join(missing)),
                            field="file")
    columns = list(position.items())
    width = max(position.values(), default=-1) + 1  # a row this long holds every named column
    out = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:  # empty rows count too: a sheet of blanks is no cheaper
            raise BusinessError(gettext("At most %(n)d rows per file.", n=MAX_ROWS), field="file")
        if not any(row):
            continue
        if len(row) >= width:
            values = {h: row[i] for h, i in columns}
        else:
            values = {h: (row[i] if i < len(row) else "") for h, i in columns}
        out.append(SheetRow(number, values))
    return list(position), out


def read_table(filename: str, data: bytes, required: list[str]) -> list[SheetRow]:
    return read_sheet(filename, data, required)[1]


@dataclass(frozen=True)
class Template:
    """A downloadable import template: its columns and one made-up example row
    that shows how to fill it in. The example's values pass the row checks'
    formats (a valid check digit, a real date); an upload leaves out a row
    equal to the example, so a template uploaded unchanged imports cleanly
    and a forgotten example row writes nothing."""

    title: str  # a lazy text: the sheet's name in the downloader's language
    required: list[str]
    optional: list[str]
    example: Callable[[], list]

    @property
    def headers(self) -> list[str]:
        return self.required + self.optional

    def workbook(self) -> bytes:
        return workbook_bytes(str(self.title), self.headers, [self.example()])

    def rows(self, filename: str, data: bytes) -> list[SheetRow]:
        """The uploaded data rows without the example; a file with no rows at all is refused."""
        rows = read_table(filename, data, self.required)
        if not rows:
            raise BusinessError(gettext("The file has no data rows."), field="file")
        example = [_as_text(v) for v in self.example()]
        if len(example) != len(self.headers):  # no row can equal it
            return rows
        pairs = list(zip(self.headers, example))  # a row differs at its first column, mostly
        return [r for r in rows if any(_as_text(r.values.get(h)) != e for h, e in pairs)]


def _as_text(value) -> str:
    return "" if value is None else str(value).strip()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each a single character
assert all(len(start) == 1 for start in FORMULA_STARTS)


def is_formula_like(value) -> bool:
    """Text a spreadsheet program would run as a formula (CSV/formula injection)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


SHEET_ROWS = 1_048_575  # data rows per worksheet (Excel's 1,048,576 less the header)
_WIDTH_SAMPLE = 200  # rows read ahead to size the columns


def write_workbook(out: BinaryIO, title: str, headers: list[str], rows: Iterable) -> int:
    """Stream an .xlsx to `out` in openpyxl's write-only mode (constant memory):
    a bold header row, columns sized on the first rows, and a further sheet
    ("title (2)", …) each time one is full. Every text is a text cell: one that
    begins like a formula is written as quoted text (quotePrefix), never as a
    formula. Returns the data rows written."""
    book = Workbook(write_only=True)

    def cells(row):  # plain texts and numbers (most cells, which for_cell keeps) inline
        return [(_text_cell(sheet, v) if v[:1] in _FORMULA_FIRST else v) if type(v) is str
                else v if type(v) in CELL_AS_IS else _workbook_cell(sheet, for_cell(v))
                for v in row]

    rows = iter(rows)
    written = 0
    part = 0
    while True:
        ahead = list(itertools.islice(rows, min(_WIDTH_SAMPLE, SHEET_ROWS)))
        if not ahead and part:
            break
        part += 1
        sheet = book.create_sheet(title[:31] if part == 1 else f"{title[:25]} ({part})")
        widths = [len(str(h)) * 2 + 2 for h in headers]
        for row in ahead:
            for i, value in enumerate(row):
                widths[i] = min(max(widths[i], len(str(for_cell(value))) + 2), 60)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for name in headers:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in ahead:
            sheet.append(cells(row))
        in_sheet = len(ahead)
        for row in rows if in_sheet < SHEET_ROWS else ():
            sheet.append(cells(row))
            in_sheet += 1
            if in_sheet == SHEET_ROWS:
                break
        written += in_sheet
        if in_sheet < SHEET_ROWS:
            break
    with tempfile.TemporaryFile() as spool:  # zip first, then copy: `out` need not seek
        book.save(spool)
        spool.seek(0)
        shutil.copyfileobj(spool, out, 1 << 20)
    return written


def _workbook_cell(sheet, value):
    return _text_cell(sheet, value) if is_formula_like(value) else value


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def workbook_bytes(title: str, headers: list[str], rows) -> bytes:
    """An .xlsx with a bold header row and sensible column widths (write_workbook)."""
    buf = io.BytesIO()
    write_workbook(buf, title, headers, rows)
    return buf.getvalue()


def csv_text(value):
    """A CSV cell: text that begins like a formula gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def csv_cells(row) -> list:
    """A row's CSV cells: each value through for_cell, then csv_text; plain texts
    and numbers (most cells, which for_cell keeps as they are) are done inline."""
    return [("'" + v if v[:1] in _FORMULA_FIRST else v) if type(v) is str
            else v if type(v) in CELL_AS_IS else csv_text(for_cell(v)) for v in row]


def write_csv(out: BinaryIO, headers: list[str], rows: Iterable, batch: int = 5000) -> int:
    """Stream UTF-8 CSV with a byte-order mark (so Excel opens the Chinese
    correctly) to `out`, a batch of rows at a time; no cell runs as a formula.
    Returns the data rows written."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    out.write("\ufeff".encode("utf-8"))
    writer.writerow([csv_text(h) for h in headers])
    written = 0
    for row in rows:
        writer.writerow(csv_cells(row))
        written += 1
        if written % batch == 0:
            out.write(buf.getvalue().encode("utf-8"))
            buf.seek(0)
            buf.truncate()
    out.write(buf.getvalue().encode("utf-8"))
    return written


def csv_bytes(headers: list[str], rows) -> bytes:
    buf = io.BytesIO()
    write_csv(buf, headers, rows)
    return buf.getvalue()


def problems_workbook(problems: list[Problem]) -> bytes:
    headers = [gettext("Row"), gettext("Column"), gettext("Problem")]
    return workbook_bytes(gettext("Problems"), headers,
                          [(p.row, p.column, p.message) for p in problems])


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"


def keep_report(problems: list[Problem], record: str, scope) -> str:
    """Store a problem report for download by `scope` from the page of `record`
    (say "TrainingClassView:12"); returns its token: the file's random name and
    a keyed MAC of the name, the record and the scope (scope.key), so only that
    login, while in that scope, downloads it from that record."""
    name = files.write("reports", problems_workbook(problems)).name
    return name + _report_mac(name, record, scope)


def _report_mac(name: str, record: str, scope) -> str:
    return digest("report", name, record, scope.key)


def report_response(token: str, record: str, scope):
    """The report of `token` as a download, or 404 (the same answer for a report
    of another record or scope as for none)."""
    name, mac = token[:files.NAME_LENGTH], token[files.NAME_LENGTH:]
    if not hmac.compare_digest(mac.encode(), _report_mac(name, record, scope).encode()):
        abort(404)
    return files.send("reports", name, mimetype=XLSX_MIME, download_name="problems.xlsx")
