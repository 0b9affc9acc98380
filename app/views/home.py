"""The landing page: each role's own work (app/services/home.py builds it)."""
from __future__ import annotations


from flask import abort, g, request
from flask_appbuilder import IndexView, expose
from flask_babel import gettext

from ..formatting import hours, local_time
from ..rules import registry
from ..security.roles import ROLE_LABELS
from ..security.scope import current_scope
from ..services import home, sheets
from ..services import years as year_defaults
from .eligibility import _xlsx as xlsx_response


def chosen_year() -> int:
    """The year asked for (?year=), if it has rules; else this year or the latest rule year."""
    years = registry.years()
    asked = request.args.get("year", type=int)
    if asked in years:
        return asked
    return year_defaults.with_rules()


class HomeView(IndexView):
    index_template = "xueshi/index.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        context = {"kind": None, "data": {}, "role_labels": []}
        if user is not None and user.is_authenticated:
            scope = current_scope()
            year = chosen_year()
            kind, data = home.page(scope, year)
            context.update(kind=kind, data=data, year=year, years=registry.years(),
                           role_labels=[str(ROLE_LABELS.get(r, r)) for r in sorted(scope.roles)])
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    hours=hours, local_time=local_time, **context)

    @expose("/home/short.xlsx")
    def short_sheet(self):
        """The people in the viewer's scope still short of the year's hours, as Excel."""
        user = g.get("user")
        if user is None or not user.is_authenticated:
            abort(404)
        scope = current_scope()
        if not scope.may("list", "LedgerView"):
            abort(404)
        year = chosen_year()
        headers = [gettext("Name"), gettext("ID number"), gettext("Unit"),
                   gettext("Public hours short"), gettext("Professional hours short")]
        data = sheets.workbook_bytes(str(year), headers, home.short_rows(scope, year))
        return xlsx_response(data, f"short-{year}.xlsx")
