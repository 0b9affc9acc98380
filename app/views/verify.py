"""The public certificate verify page: no login, rate-limited, masked data.

    GET  /verify/                the forms: upload a PDF or credential, or look one up
    GET  /verify/<token>         the certificate behind a QR code
    POST /verify/check           an uploaded PDF or credential (file, or pasted text)
    POST /verify/lookup          the certificate number and the holder's full name

Every answer is JSON for `Accept: application/json`. Nothing here changes
anything, so the forms carry no CSRF token (a verifier's script posts as a
browser does); the whole blueprint is rate-limited per client, the lookup more."""
from __future__ import annotations

from flask import jsonify, request
from flask_appbuilder import BaseView, expose

from ..services import certificates, credentials, verification
from ..services.errors import BusinessError


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _jsonable(cert: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in cert.items()}


class VerifyView(BaseView):
    route_base = "/verify"
    default_view = "form"

    def _page(self, *, verdict=None, error=None, field=None, status=200, values=None):
        body = self.render_template("xueshi/verify_form.html", verdict=verdict, error=error,
                                    field=field, values=values or {},
                                    signature_text=verification.SIGNATURE_TEXT)
        return body, status

    def _answer(self, run, values: dict):
        try:
            verdict = run()
        except BusinessError as exc:
            if _wants_json():
                return jsonify({"error": str(exc), "field": exc.field}), 400
            return self._page(error=str(exc), field=exc.field, status=400, values=values)
        status = 200 if verdict.issued else 404 if verdict.kind == "lookup" else 200
        if _wants_json():
            return jsonify(verdict.as_json()), status
        return self._page(verdict=verdict, status=status, values=values)

    @expose("/", methods=["GET"])
    def form(self):
        return self._page()

    @expose("/check", methods=["POST"])
    def check(self):
        pasted = (request.form.get("credential") or "").strip()
        if pasted and not request.files.get("file"):
            return self._answer(lambda: verification.check_credential(pasted), {})
        return self._answer(
            lambda: verification.check_upload(verification.read_bounded(request.files.get("file"))[1]),
            {})

    @expose("/lookup", methods=["POST"])
    def lookup(self):
        number, name = request.form.get("number"), request.form.get("name")
        return self._answer(lambda: verification.lookup(number, name),
                            {"number": (number or "")[:verification.MAX_NUMBER]})

    @expose("/<token>", methods=["GET"])
    def verify(self, token):
        cert = certificates.public_view(token)
        if _wants_json():
            if cert is None:
                return jsonify({"found": False}), 404
            return jsonify({"found": True, **_jsonable(cert)})
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
