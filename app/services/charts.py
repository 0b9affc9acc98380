"""Server-side SVG bar charts: no script, no CDN, text in the page's CJK font."""
from __future__ import annotations

from decimal import Decimal
from html import escape

from ..formatting import hours

BAR = "#3b7dd8"
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"


def _fmt(value) -> str:
    return hours(value)


def bars(title: str, rows: list[tuple[str, float | Decimal | int]], *, suffix: str = "",
         maximum: float | None = None, width: int = 640) -> str:
    """Horizontal bars, one per (label, value); the value is written beside its bar."""
    label_w, row_h, top = 190, 26, 34
    height = top + row_h * max(len(rows), 1) + 10
    peak = maximum or max((float(v) for _, v in rows), default=0) or 1
    span = width - label_w - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    if not rows:
        parts.append(f'<text x="{label_w}" y="{top + 17}" fill="#888">—</text>')
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        length = max(0.0, float(value) / peak * span)
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(str(label))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
                     f'fill="{BAR}"><title>{escape(str(label))}: {_fmt(value)}{suffix}</title></rect>')
        parts.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 17}">{_fmt(value)}{suffix}</text>')
    parts.append("</svg>")
    return "".join(parts)
