"""The app's own static files: the icon every browser asks for on every page."""
from __future__ import annotations


def test_the_favicon_is_served_to_anyone_and_writes_no_audit_entry(app):
    from app.extensions import db
    from app.models import AuditEntry

    with app.app_context():
        before = db.session.query(AuditEntry).count()
        db.session.remove()
    with app.test_client().get("/favicon.ico") as resp:
        assert resp.status_code == 200
        assert resp.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
        assert resp.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        assert db.session.query(AuditEntry).count() == before
        db.session.remove()
