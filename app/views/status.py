"""The published status lists (W3C Bitstring Status List): public, no login,
rate-limited; each a signed credential verifiers fetch to learn whether a
certificate is suspended or revoked."""
from __future__ import annotations

from flask import abort
from flask_appbuilder import BaseView, expose

from ..security.scope import as_id
from ..services import status_list


class StatusListView(BaseView):
    route_base = "/credentials/status"
    default_view = "status"

    @expose("/<int:number>")
    def status(self, number):
        token = status_list.published(number) if as_id(number) is not None else None
        if token is None:
            abort(404)
        return token, 200, {"Content-Type": "application/vc+jwt", "Cache-Control": "no-cache"}
