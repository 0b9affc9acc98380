"""Read PDFs back with poppler-utils (pdffonts, pdftotext), as a reader would."""
from __future__ import annotations

import shutil
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


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: apt-get install {package} (scripts/install.sh)"
    return path


def decode_qr(pdf: Path) -> list[str]:
    """The QR codes zbarimg finds on the page rasterised at 150 dpi."""
    pdftoppm = tool("pdftoppm", "poppler-utils")
    zbarimg = tool("zbarimg", "zbar-tools")
    stem = pdf.with_suffix("")
    subprocess.run([pdftoppm, "-png", "-r", "150", "-singlefile", str(pdf), str(stem)], check=True)
    out = subprocess.run([zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                          str(stem) + ".png"], capture_output=True, text=True)
    assert out.returncode in (0, 4), out.stderr  # 4: no symbol found
    return out.stdout.splitlines()
