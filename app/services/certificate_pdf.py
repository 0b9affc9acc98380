"""Electronic training certificate (电子证书): one A4 landscape page per participant.

    render(data, font_path=None) -> bytes         the certificate, with its QR code
    render_many(items, font_path=None)            one PDF per item, in order
    render_plain(data, font_path=None) -> bytes   the same page without the QR code
                                                  (the benchmark's floor: same code)

All text is set in WenQuanYi Micro Hei (TrueType, sub-font 0 of the .ttc),
embedded as a subset, so `pdffonts` lists only embedded fonts: the canvas
starts in that font (initialFontName), and nothing here uses platypus, whose
defaults would bring Helvetica in. The font is parsed and registered once per
process and path; no Flask app is needed (the path defaults to the app's
XUESHI_CJK_FONT when there is an app context, else to the Debian path).

The QR code (error correction M) holds exactly `verify_url` and is drawn as
vector rectangles, one per horizontal run of dark modules.

Where the time goes, and what is cached (bench/certificate_pdf_bench.py, one
core; ms per document): stock reportlab drawing this page without QR ~4.8;
render_plain ~1.9; render ~2.5.

- Font subsetting, the largest cost with stock reportlab: its makeSubset
  copies the whole 3.5 MB `glyf` table for every document, walks glyphs
  through a shared file cursor (so two documents must not be saved at once),
  re-copies and re-checksums the unchanged tables, and compresses it all.
  Here (`_CertFont`) every document starts with the same first subset, ASCII
  and the certificate's own wording, whose font file, ToUnicode map and
  widths are built and compressed once per process. Only the other
  characters (a name, a class name, an organiser) go to a small
  per-document subset, made by `_CertFont.make_subset`: the same bytes as
  reportlab's makeSubset, but reading the font in place (no copy, no
  cursor), with the unchanged tables and their checksums cached.
- QR code. The qrcode library builds the whole matrix once per mask, 8 times,
  about 8 ms a code, four times a plain page. `_qr_modules` gives the same
  matrix (identical modules and mask choice: the tests compare it with
  qrcode.QRCode) in ~0.2 ms: per-version templates, Reed-Solomon on
  integers, the data placed once, and the symbol one big int, so each mask
  is an XOR and the penalty rules are a few dozen shifts, ANDs and bit counts.
- Page stream: Flate only. reportlab's default also ASCII85-encodes it, in
  pure Python (rl_config.useA85); that is turned off per page, not
  process-wide. Compression stays on (PAGE_COMPRESSION): off is ~0.5 ms a
  document faster but files grow from ~37 KB to ~59 KB, and the saving is
  the same for render and render_plain, so their ratio only gets worse.
- What is left is reportlab itself: serialising the PDF objects (~40%),
  zlib, the text operators, and the per-document subset.
"""
from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass, replace
from datetime import date
from operator import itemgetter
from struct import pack, unpack_from
from typing import Iterable, Iterator

from qrcode import base as qr_base
from qrcode import main as qr_main
from qrcode import util as qr_util
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import calcChecksum, fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import (
    GF_ARG_1_AND_2_ARE_WORDS, GF_MORE_COMPONENTS, GF_WE_HAVE_A_SCALE,
    GF_WE_HAVE_A_TWO_BY_TWO, GF_WE_HAVE_AN_X_AND_Y_SCALE, FF_NONSYMBOLIC, FF_SYMBOLIC,
    SUBSETN, TTFont, makeToUnicodeCMap)
from reportlab.pdfgen.canvas import Canvas

__all__ = ["CertificateData", "render", "render_many", "render_plain", "body_text",
           "DEBIAN_FONT"]

DEBIAN_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PAGE_W, PAGE_H = landscape(A4)
TITLE = "继续教育培训证书"


@dataclass(frozen=True)
class CertificateData:
    number: str            # unique certificate number, e.g. "QDJX2026-000123"
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


# --------------------------------------------------------------------------- font

# Characters of the first, shared subset besides ASCII: the certificate's own
# wording (at most 160 fit; more would be ignored). Every certificate uses them,
# so that subset is built once. Adding common name or class-name characters
# here makes rendering a little faster (about 7% for 100 more) and every file
# larger (about 7 KB for 100 more): measured, not worth it.
_BASE_CHARS = (
    TITLE + "证书编号：兹明（身份证号）于年月日至参加由举办的《》培训，类别获得学时。"
    "发单位日期扫码验公需科目专业青岛市协会"
)


def _component_records(glyf, p: int):
    """(offset, glyph index) of each component record of a composite glyph
    whose records start at `p` (TrueType glyf table)."""
    flags = GF_MORE_COMPONENTS
    while flags & GF_MORE_COMPONENTS:
        flags, idx = unpack_from(">HH", glyf, p)
        yield p, idx
        p += 4 + (4 if flags & GF_ARG_1_AND_2_ARE_WORDS else 2)
        if flags & GF_WE_HAVE_A_SCALE:
            p += 2
        elif flags & GF_WE_HAVE_AN_X_AND_Y_SCALE:
            p += 4
        elif flags & GF_WE_HAVE_A_TWO_BY_TWO:
            p += 8


class _CertFont(TTFont):
    """A TTFont whose documents all start with the same first subset.

    Subset 0 holds ASCII (codes 32-126, as reportlab's asciiReadable) and
    `_BASE_CHARS`; its font file, ToUnicode map and widths are built and
    compressed once. Other characters go to subsets 1, 2, ... per document,
    subset by `make_subset` (thread-safe; same bytes as reportlab's)."""

    def __init__(self, name: str, path: str):
        super().__init__(name, path, subfontIndex=0, asciiReadable=1)
        face = self.face
        # reportlab's registerFont hands out the first font registered for a face
        # name under every later name of that face: this font must get its own
        # entry (and app.services.pdf's font must not become this one), so its
        # face is registered under a name of its own; BaseFont uses the real one.
        self.ps_name = bytes(face.name)
        face.name = self.ps_name + b"+" + name.encode("ascii")
        c2g = face.charToGlyph
        subset0 = [0] * 256
        assign = {0: 0}
        for code in range(32, 127):
            subset0[code] = code
            if code in c2g:
                assign[code] = code
        free = [n for n in range(1, 256) if not 32 <= n <= 126]
        seen = set()
        for ch in _BASE_CHARS:
            code = ord(ch)
            if code in seen or code in assign or code not in c2g or not free:
                continue
            seen.add(code)
            n = free.pop(0)
            subset0[n] = code
            assign[code] = n
        used = max(n for n in range(256) if n < 127 or subset0[n])
        self._subset0 = subset0[:used + 1]  # documents' own characters start at code 256
        self._assign0 = assign
        self._lock = threading.Lock()
        # the font file, read in place
        data = memoryview(face._ttf_data)
        self._data = data
        glyf_off, glyf_len = face.get_table_pos("glyf")
        self._glyf = data[glyf_off:glyf_off + glyf_len]
        self._components: dict[int, tuple[int, ...]] = {}
        self._width_strs: dict[int, str] = {}  # code -> its width as PDF writes it
        static = {}
        for tag in ("name", "OS/2", "cvt ", "fpgm", "prep"):
            if tag in face.table:
                static[tag] = face.get_table(tag)
        static["post"] = b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + b"\x00" * 16
        self._static = {tag: (tab, calcChecksum(tab)) for tag, tab in static.items()}
        self._hhea = face.get_table("hhea")
        self._maxp = face.get_table("maxp")
        head = face.get_table("head")
        self._head = head[:8] + b"\0\0\0\0" + head[12:]
        self._objects0 = {}  # subset 0's PDF parts, compressed or not: built on first use

    # -- per-document state: subset 0 preset
    def _doc_state(self, doc):
        try:
            return self.state[doc]
        except KeyError:
            st = TTFont.State(1)
            st.assignments = dict(self._assign0)
            st.subsets = [list(self._subset0)]
            st.nextCode = 256
            self.state[doc] = st
            return st

    def splitString(self, text, doc, encoding="utf-8"):
        self._doc_state(doc)
        return super().splitString(text, doc, encoding)

    def getSubsetInternalName(self, subset, doc):
        self._doc_state(doc)
        return super().getSubsetInternalName(subset, doc)

    # -- subsetting
    def _glyph_components(self, gid: int) -> tuple[int, ...]:
        comps = self._components.get(gid)
        if comps is None:
            pos = self.face.glyphPos
            start, end = pos[gid], pos[gid + 1]
            glyf = self._glyf
            comps = ()
            if end - start > 0 and unpack_from(">h", glyf, start)[0] < 0:
                comps = tuple(idx for _p, idx in _component_records(glyf, start + 10))
            self._components[gid] = comps
        return comps

    def make_subset(self, subset: list[int]) -> bytes:
        """A TrueType font of the characters `subset` (code i = subset[i]):
        byte for byte what reportlab's TTFontFile.makeSubset returns."""
        face = self.face
        c2g = face.charToGlyph
        glyph_map = [0]          # new glyph index -> old
        glyph_set = {0: 0}       # old -> new
        code_to_glyph = []
        for code in subset:
            old = c2g.get(code, 0)
            new = glyph_set.get(old)
            if new is None:
                new = glyph_set[old] = len(glyph_map)
                glyph_map.append(old)
            code_to_glyph.append(new)
        n = 0
        while n < len(glyph_map):
            for idx in self._glyph_components(glyph_map[n]):
                if idx not in glyph_set:
                    glyph_set[idx] = len(glyph_map)
                    glyph_map.append(idx)
            n += 1
        num_glyphs = len(glyph_map)
        tables = {}

        hm = face.hmetrics
        hmtx = []
        for old in glyph_map:
            aw, lsb = hm[old]
            hmtx.append(int(aw))
            hmtx.append(int(lsb))
        n = len(hmtx) - 2
        while n and hmtx[n] == hmtx[n - 2]:
            n -= 2
        n += 2
        number_of_hmetrics = n >> 1
        hmtx = hmtx[:n] + hmtx[n + 1::2]
        tables["hmtx"] = pack(">%dH" % len(hmtx), *hmtx)
        tables["hhea"] = self._hhea[:34] + pack(">H", number_of_hmetrics) + self._hhea[36:]
        tables["maxp"] = self._maxp[:4] + pack(">H", num_glyphs) + self._maxp[6:]
        count = len(subset)
        tables["cmap"] = pack(">%dH" % (11 + count), 0, 1, 1, 0, 0, 12, 6, 10 + count * 2, 0, 0,
                              count, *code_to_glyph)

        glyf = self._glyf
        gpos = face.glyphPos
        offsets = []
        parts = []
        pos = 0
        for old in glyph_map:
            offsets.append(pos)
            start = gpos[old]
            length = gpos[old + 1] - start
            data = bytes(glyf[start:start + length])
            if length > 2 and self._glyph_components(old):
                data = bytearray(data)
                for p, idx in _component_records(data, 10):
                    data[p + 2:p + 4] = pack(">H", glyph_set[idx])
                data = bytes(data)
            parts.append(data)
            pos += length
            if pos % 4:
                pad = 4 - pos % 4
                parts.append(b"\0" * pad)
                pos += pad
        offsets.append(pos)
        tables["glyf"] = b"".join(parts)
        if (pos + 1) >> 1 > 0xFFFF:
            loc_format = 1
            tables["loca"] = pack(">%dL" % len(offsets), *offsets)
        else:
            loc_format = 0
            tables["loca"] = pack(">%dH" % len(offsets), *[o >> 1 for o in offsets])
        tables["head"] = self._head[:50] + pack(">H", loc_format) + self._head[52:]

        # the font file: as reportlab's TTFontMaker.makeStream
        entries = [(tag, tab, calcChecksum(tab)) for tag, tab in tables.items()]
        entries.extend((tag, tab, cs) for tag, (tab, cs) in self._static.items())
        entries.sort()
        num = len(entries)
        search_range, entry_selector = 1, 0
        while search_range * 2 <= num:
            search_range *= 2
            entry_selector += 1
        search_range *= 16
        out = [pack(">lHHHH", 0x00010000, num, search_range, entry_selector,
                    num * 16 - search_range)]
        offset = 12 + num * 16
        head_start = 0
        for tag, tab, cs in entries:
            if tag == "head":
                head_start = offset
            out.append(tag.encode("latin1") + pack(">LLL", cs, offset, len(tab)))
            offset += (len(tab) + 3) & ~3
        for _tag, tab, _cs in entries:
            out.append(tab)
            if len(tab) & 3:
                out.append(b"\0" * (4 - (len(tab) & 3)))
        font = b"".join(out)
        adjust = (0xB1B0AFBA - calcChecksum(font)) & 0xFFFFFFFF
        return font[:head_start + 8] + pack(">L", adjust) + font[head_start + 12:]

    # -- PDF objects
    def _subset_parts(self, n: int, subset: list[int], compress: bool):
        """(base font name, widths, ToUnicode stream, font file stream) of a subset."""
        face = self.face
        base_name = (SUBSETN(n) + b"+" + self.ps_name + face.subfontNameX).decode("pdfdoc")
        ws = self._width_strs
        for code in subset:
            if code not in ws:
                ws[code] = fp_str(face.getCharWidth(code))
        widths = ("[ " + " ".join([ws[code] for code in subset]) + " ]").encode("ascii")
        cmap = makeToUnicodeCMap(base_name, subset).encode("latin1")
        font = self.make_subset(subset)
        if compress:
            return base_name, widths, _flate(cmap), _flate(font, len(font))
        return base_name, widths, _raw_stream(cmap), _raw_stream(font, len(font))

    def addObjects(self, doc):
        state = self._doc_state(doc)
        state.frozen = 1
        face = self.face
        flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        font_dict = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            if n == 0:
                compress = bool(doc.compression)
                parts = self._objects0.get(compress)
                if parts is None:
                    with self._lock:
                        parts = self._objects0.get(compress)
                        if parts is None:
                            parts = self._subset_parts(0, self._subset0, compress)
                            self._objects0[compress] = parts
                base_name, widths, cmap, fontfile = parts
            else:
                base_name, widths, cmap, fontfile = self._subset_parts(n, subset, doc.compression)
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = "Font %s subset %d" % (self.fontName, n)
            pdf_font.Name = internal
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = widths
            pdf_font.ToUnicode = doc.Reference(cmap(), "toUnicodeCMap:" + base_name)
            file_ref = doc.Reference(fontfile(), "fontFile:%s(%s)" % (face.filename, base_name))
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": flags,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_name),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": file_ref,
                "MissingWidth": face.defaultWidth,
            })
            pdf_font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(pdf_font, internal)
            font_dict[internal] = pdf_font
        del self.state[doc]


def _flate(content: bytes, length1: int | None = None):
    """A factory of PDF streams holding `content` compressed once, now."""
    packed = zlib.compress(content)

    def make():
        d = {"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])}
        if length1 is not None:
            d["Length1"] = length1
        return pdfdoc.PDFStream(pdfdoc.PDFDictionary(d), packed)
    return make


def _raw_stream(content: bytes, length1: int | None = None):
    def make():
        s = pdfdoc.PDFStream(content=content)
        if length1 is not None:
            s.dictionary["Length1"] = length1
        return s
    return make


_fonts: dict[str, _CertFont] = {}
_fonts_lock = threading.Lock()


def _default_font_path() -> str:
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is a dependency of the app
        return DEBIAN_FONT
    if has_app_context():
        return current_app.config.get("XUESHI_CJK_FONT") or DEBIAN_FONT
    return DEBIAN_FONT


def _font(font_path: str | None) -> _CertFont:
    """The font for `font_path`, parsed and registered once per process."""
    path = font_path or _default_font_path()
    font = _fonts.get(path)
    if font is None:
        with _fonts_lock:
            font = _fonts.get(path)
            if font is None:
                font = _CertFont(f"XueshiCert{len(_fonts)}", path)
                _fonts[path] = font
    try:
        registered = pdfmetrics.getFont(font.fontName)
    except KeyError:  # not yet, or reportlab's registry was reset
        registered = None
    if registered is not font:
        pdfmetrics.registerFont(font)
    return font


# --------------------------------------------------------------------------- QR code

_EC = ERROR_CORRECT_M
_RS_TABLES: dict[int, list[int]] = {}
_TEMPLATES: dict[int, "_QrTemplate"] = {}


def _rs_table(ec: int) -> list[int]:
    """For each byte f, f times the generator polynomial of degree ec, as an int."""
    table = _RS_TABLES.get(ec)
    if table is None:
        gen = [1]
        for i in range(ec):  # multiply by (x - a^i)
            nxt = gen + [0]
            for j, coef in enumerate(gen):
                if coef:
                    nxt[j + 1] ^= qr_base.gexp(qr_base.glog(coef) + i)
            gen = nxt
        logs = [qr_base.glog(c) for c in gen[1:]]
        table = [0]
        for f in range(1, 256):
            lf = qr_base.glog(f)
            table.append(int.from_bytes(bytes(qr_base.gexp(lf + lg) for lg in logs), "big"))
        _RS_TABLES[ec] = table
    return table


def _rs_remainder(data: bytes, ec: int) -> bytes:
    table = _rs_table(ec)
    full = (1 << (8 * ec)) - 1
    shift = 8 * (ec - 1)
    rem = 0
    for b in data:
        rem = ((rem << 8) & full) ^ table[b ^ (rem >> shift)]
    return rem.to_bytes(ec, "big")


class _QrTemplate:
    """Everything about a QR version that does not depend on the data.

    A symbol of n x n modules is one int of n rows of S = n + 1 bits, read
    as a binary string: character r*S + c is module (row r, column c), and
    character r*S + n, a light guard, ends each row. Shifting by 1 pairs
    horizontal neighbours, by S vertical ones."""

    def __init__(self, version: int):
        n = self.n = version * 4 + 17
        s = self.stride = n + 1
        total = self.total = n * s
        top = total - 1

        def bit(r, c):
            return 1 << (top - r * s - c)

        def as_int(modules):
            return sum(bit(r, c) for r in range(n) for c in range(n) if modules[r][c] is True)

        mods = _blank_modules(version)
        self.base = as_int(mods)  # format and version areas light, as qrcode's test symbols
        # data modules in placement order (as qrcode's map_data)
        order = []
        row, inc = n - 1, -1
        for col in range(n - 1, 0, -2):
            if col <= 6:
                col -= 1
            while True:
                for c in (col, col - 1):
                    if mods[row][c] is None:
                        order.append((row, c))
                row += inc
                if row < 0 or row >= n:
                    row -= inc
                    inc = -inc
                    break
        self.order = order
        self.masks = []
        for m in range(8):
            f = qr_util.mask_func(m)
            self.masks.append(sum(bit(r, c) for r, c in order if f(r, c)))
        # what the final symbol adds for mask m: format bits, version bits, dark module
        self.finish = [as_int(_blank_modules(version, finish_mask=m)) for m in range(8)]
        full = sum(bit(r, c) for r in range(n) for c in range(n))
        self.full = full
        self.h1 = full & (full >> 1)
        self.v1 = full & (full >> s)
        self.b2 = self.h1 & (self.h1 >> s)
        blocks = qr_base.rs_blocks(version, _EC)
        self.blocks = [(b.data_count, b.total_count - b.data_count) for b in blocks]
        self.codewords = sum(b.total_count for b in blocks)
        # string position -> index of its bit in the codeword bit string, or of a "0"
        nbits = 8 * self.codewords
        where = [nbits] * total
        for k, (r, c) in enumerate(order[:nbits]):
            where[r * s + c] = k
        self.gather = itemgetter(*where)
        # "c r " for each string position, "w 1 re" for each run length
        self.ops = (["%d %d " % (i % s, i // s) for i in range(total)],
                    ["%d 1 re" % w for w in range(n + 1)])


def _blank_modules(version: int, finish_mask: int | None = None) -> list[list]:
    """qrcode's function patterns of a version (True dark, False light, None
    data), format and version areas light; or, with finish_mask, only the
    format bits of that mask, the version bits and the dark module."""
    q = qr_main.QRCode(version=version, error_correction=_EC)
    q.modules_count = n = version * 4 + 17
    q.modules = [[None] * n for _ in range(n)]
    if finish_mask is None:
        q.setup_position_probe_pattern(0, 0)
        q.setup_position_probe_pattern(n - 7, 0)
        q.setup_position_probe_pattern(0, n - 7)
        q.setup_position_adjust_pattern()
        q.setup_timing_pattern()
    test = finish_mask is None
    q.setup_type_info(test, finish_mask or 0)
    if version >= 7:
        q.setup_type_number(test)
    return q.modules


def _template(version: int) -> _QrTemplate:
    t = _TEMPLATES.get(version)
    if t is None:
        t = _QrTemplate(version)
        _TEMPLATES[version] = t
    return t


def _codewords(data: bytes) -> tuple[int, bytes]:
    """Version and final codeword sequence for `data` in byte mode, level M."""
    limits = qr_util.BIT_LIMIT_TABLE[_EC]
    length = len(data)
    version = 0
    for v in range(1, 41):
        if 4 + (8 if v < 10 else 16) + 8 * length <= limits[v]:
            version = v
            break
    if not version:
        raise ValueError("verify_url is too long for a QR code")
    cc = 8 if version < 10 else 16
    limit = limits[version]
    bits = 4 + cc + 8 * length
    acc = (((0b0100 << cc) | length) << (8 * length)) | int.from_bytes(data, "big")
    term = min(limit - bits, 4)
    acc <<= term
    bits += term
    if bits % 8:
        acc <<= 8 - bits % 8
        bits += 8 - bits % 8
    buf = acc.to_bytes(bits // 8, "big") + (b"\xec\x11" * (limit // 16 + 1))[:(limit - bits) // 8]
    return version, _interleave(version, buf)


def _interleave(version: int, buf: bytes) -> bytes:
    t = _template(version)
    dcs, ecs = [], []
    off = 0
    for dc, ec in t.blocks:
        block = buf[off:off + dc]
        off += dc
        dcs.append(block)
        ecs.append(_rs_remainder(block, ec))
    out = bytearray()
    for i in range(max(len(b) for b in dcs)):
        out.extend(b[i] for b in dcs if i < len(b))
    for i in range(max(len(b) for b in ecs)):
        out.extend(b[i] for b in ecs if i < len(b))
    return bytes(out)


def _penalty(x: int, t: _QrTemplate) -> int:
    """The ISO 18004 mask penalty of symbol x, as qrcode's util.lost_point
    scores it: runs of 5+ alike (3 + 1 per module past 5), 2x2 blocks alike
    (3 each), finder-like 1:1:3:1:1 patterns with 4 light (40 each), and
    10 per 5% of dark modules away from half."""
    full, s = t.full, t.stride
    y = ~x & full
    points = 0
    for step, pairs in ((1, t.h1), (s, t.v1)):
        alike = ~(x ^ (x >> step)) & pairs
        win = alike & (alike >> step) & (alike >> 2 * step) & (alike >> 3 * step)
        # a run of L >= 5 has L - 4 windows of five and one last window: L - 2 points
        points += win.bit_count() + 2 * (win & ~(win >> step)).bit_count()
        xs = [x >> (k * step) for k in range(11)]
        ys = [y >> (k * step) for k in range(11)]
        # 10111010000 and its mirror 00001011101, each a run of ANDs
        a = xs[0] & ys[1] & xs[2] & xs[3] & xs[4] & ys[5] & xs[6] & ys[7] & ys[8] & ys[9] & ys[10]
        b = ys[0] & ys[1] & ys[2] & ys[3] & xs[4] & ys[5] & xs[6] & xs[7] & xs[8] & ys[9] & xs[10]
        points += 40 * (a.bit_count() + b.bit_count())
    dark = x & (x >> 1) & (x >> s) & (x >> (s + 1))
    light = y & (y >> 1) & (y >> s) & (y >> (s + 1))
    points += 3 * ((dark | light) & t.b2).bit_count()
    n = t.n
    percent = float(x.bit_count()) / (n ** 2)
    points += int(abs(percent * 100 - 50) / 5) * 10
    return points


def _qr_modules(text: str) -> tuple[int, str]:
    """(n, modules): the QR symbol of `text` (level M), the same modules as
    qrcode.QRCode's (same mask choice), as a string of n rows of n + 1
    characters, "1" dark and "0" light, each row ending in a "0"."""
    raw = text.encode("utf-8")
    chunks = list(qr_util.optimal_data_chunks(raw, minimum=20))
    if len(chunks) == 1 and chunks[0].mode == qr_util.MODE_8BIT_BYTE:
        version, words = _codewords(raw)
    else:  # digit or upper-case runs of 20+: qrcode's own mixed-mode encoding
        q = qr_main.QRCode(error_correction=_EC)
        q.add_data(text)
        version = q.best_fit()
        words = bytes(qr_util.create_data(version, _EC, q.data_list))
    t = _template(version)
    bits = format(int.from_bytes(words, "big"), "0%db" % (8 * len(words))) + "0"
    data = int("".join(t.gather(bits)), 2)
    base = t.base
    best_points = best = best_mask = None
    for m, mask in enumerate(t.masks):
        x = base | (data ^ mask)
        points = _penalty(x, t)
        if best_points is None or points < best_points:
            best_points, best, best_mask = points, x, m
    return t.n, format(best | t.finish[best_mask], "0%db" % t.total)


_DARK_RUNS = re.compile("1+")


def _qr_ops(text: str, x: float, y: float, size: float) -> str:
    """PDF operators filling the QR code of `text` into the square (x, y, size):
    one rectangle per horizontal run of dark modules, in module units."""
    n, modules = _qr_modules(text)
    at, width = _template((n - 17) // 4).ops
    unit = size / n
    ops = ["q 0 g %.4f 0 0 %.4f %.3f %.3f cm" % (unit, -unit, x, y + size)]
    ops.extend([at[i] + width[j - i] for i, j in (m.span() for m in _DARK_RUNS.finditer(modules))])
    ops.append("f Q")
    return "\n".join(ops)


# --------------------------------------------------------------------------- layout

MARGIN_X = 96.0
PAGE_COMPRESSION = 1  # see the module's docstring
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


def _draw(c: Canvas, font: _CertFont, data: CertificateData, qr: bool) -> None:
    fname = font.fontName
    cw = font.face.charWidths
    dw = font.face.defaultWidth

    ems: dict[str, float] = {}

    def em(s: str) -> float:  # width at size 1; the body is wrapped at several sizes
        w = ems.get(s)
        if w is None:
            w = ems[s] = sum([cw.get(ord(ch), dw) for ch in s]) / 1000.0
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

    if qr:
        c.addLiteral(_qr_ops(data.verify_url, QR_X, QR_Y, QR_SIZE))
        c.setFont(fname, 10)
        c.drawCentredString(QR_X + QR_SIZE / 2, QR_Y - 22, "扫码验证")  # 4+ modules clear


def _render(data: CertificateData, font: _CertFont, qr: bool) -> bytes:
    c = Canvas(None, pagesize=(PAGE_W, PAGE_H), pageCompression=PAGE_COMPRESSION,
               initialFontName=font.fontName, initialFontSize=12)
    c.setTitle(f"{TITLE} {data.number}")
    c.setAuthor(data.issuer)
    c.setSubject(data.class_name)
    _draw(c, font, data, qr)
    c.showPage()
    # The page stream Flate-compressed only: reportlab's default (rl_config.useA85)
    # also ASCII85-encodes it, in pure Python, a quarter larger. Set here, per page,
    # rather than by changing the process-wide setting.
    page = c._doc.Pages.pages[-1]
    page.Contents = pdfdoc.PDFStream(
        content=page.stream, filters=[pdfdoc.PDFZCompress] if PAGE_COMPRESSION else None)
    return c.getpdfdata()


def render(data: CertificateData, *, font_path: str | None = None) -> bytes:
    """The certificate of `data` as a one-page PDF."""
    return _render(data, _font(font_path), True)


def render_plain(data: CertificateData, *, font_path: str | None = None) -> bytes:
    """The same page without the QR code (and its caption): the benchmark's floor."""
    return _render(data, _font(font_path), False)


def render_many(items: Iterable[CertificateData], *, font_path: str | None = None
                ) -> Iterator[bytes]:
    """One certificate PDF per item, lazily, in order."""
    font = _font(font_path)
    for data in items:
        yield _render(data, font, True)
