"""The public certificate verify page: no login, rate-limited, masked data."""
from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose

from ..services import certificates, credentials


class VerifyView(BaseView):
    route_base = "/verify"
    default_view = "verify"

    @expose("/<token>")
    def verify(self, token):
        cert = certificates.public_view(token)
        if request.accept_mimetypes.best == "application/json":
            if cert is None:
                return jsonify({"found": False}), 404
            return jsonify({"found": True, **{k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                              for k, v in cert.items()}})
        body = self.render_template("xueshi/verify.html", cert=cert)
        return body, (200 if cert else 404)


class WellKnownView(BaseView):
    """The issuer's public keys: verifiers check credentials and PDFs offline with them."""

    route_base = "/.well-known"
    default_view = "jwks"

    @expose("/jwks.json")
    def jwks(self):
        return jsonify(credentials.jwks())

    @expose("/xueshi-signer.pem")
    def signer(self):
        from ..pdf import sign

        return sign.certificate_pem(), 200, {"Content-Type": "application/x-pem-file"}
