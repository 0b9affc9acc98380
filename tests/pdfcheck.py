"""Read PDFs back with poppler-utils (pdffonts, pdftotext), as a reader would."""
from __future__ import annotations

import subprocess
from pathlib import Path


def fonts(path: Path) -> list[dict]:
    """pdffonts' table: name, emb (embedded) and sub (subset) per font."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # ... name type [type2] encoding emb sub uni object ID
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return rows


def text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
