"""The CJK font of every PDF: WenQuanYi Micro Hei (sub-font 0 of the .ttc), registered
once per process with reportlab's stock TTFont, which embeds the subset each document uses."""
from __future__ import annotations

import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEBIAN_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "XueshiCJK"

# reportlab's subsetting writes per-document state on the shared font: one document at a time
RENDER_LOCK = threading.RLock()
_registered: dict[str, str] = {}


def default_path() -> str:
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("XUESHI_CJK_FONT") or DEBIAN_FONT
    return DEBIAN_FONT


def font(path: str | None = None) -> str:
    """The registered font name for `path` (default: the app's XUESHI_CJK_FONT)."""
    path = path or default_path()
    name = _registered.get(path)
    if name is None:
        with RENDER_LOCK:
            name = _registered.get(path)
            if name is None:
                name = FONT if not _registered else f"{FONT}{len(_registered)}"
                pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
                _registered[path] = name
    return name


def width(text: str, name: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, name, size)
