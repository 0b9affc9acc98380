"""Every PDF Xueshi writes, on maintained libraries only.

    fonts.py        the CJK font: reportlab's own TrueType embedding (subset per document)
    qr.py           QR codes: segno's matrix, drawn as vector runs
    certificate.py  the class certificate page (电子证书), layout only
    report.py       documents of flowing text and tables: the year certificate
                    (年度学时证明) and reports

Rendering takes a module lock: reportlab's TrueType subsetting keeps state on
the shared font object, so two documents are never saved at once in a process
(several processes scale it with the cores)."""
