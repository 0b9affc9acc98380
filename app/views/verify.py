"""The public certificate verify page: no login, rate-limited, masked data."""
from __future__ import annotations

from flask_appbuilder import BaseView, expose

from ..services import certificates


class VerifyView(BaseView):
    route_base = "/verify"
    default_view = "verify"

    @expose("/<token>")
    def verify(self, token):
        cert = certificates.public_view(token)
        body = self.render_template("xueshi/verify.html", cert=cert)
        return body, (200 if cert else 404)
