"""Dashboards: the city for a scope that sees every professional, one
district for a district's scope."""
from __future__ import annotations


from flask import abort, request
from flask_appbuilder import BaseView
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext

from ..extensions import db
from ..formatting import count as format_count
from ..models import District, Person
from ..models.governance import EVAL_RESULTS
from ..services import years
from ..security import scope as scopes
from ..services import charts, classes, dashboard, evaluations
from .base import expose


def district_for(scope) -> int | None:
    """The district the figures are for: the scope's own, or — for a scope that
    sees the whole city — the one asked for (None: the city)."""
    if scope.district_id:
        return scope.district_id
    if scopes.sees_everything(Person, scope):
        return request.args.get("district", type=int)
    abort(403)


class DashboardView(BaseView):
    route_base = "/dashboard"
    default_view = "index"
    base_permissions = ["can_view"]

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("view")
    def index(self):
        year = request.args.get("year", type=int) or years.current()
        district_id = district_for(scopes.current_scope())
        kept = dashboard.figures(year, district_id)
        district = db.session.get(District, district_id) if district_id else None
        svgs = [] if kept.figures is None else self._charts(kept.figures, year)
        return self.render_template("xueshi/dashboard.html", kept=kept, svgs=svgs, year=year,
                                    district=district.name if district else None,
                                    title=gettext("Dashboard"))

    @staticmethod
    def _charts(data, year: int) -> list:
        svgs = []
        by_unit = gettext("Compliance rate by unit, %(year)d", year=year)
        if data.units_counted > len(data.by_unit):
            by_unit = gettext("The %(n)d units with the lowest compliance rate, %(year)d (of %(total)s units)",
                              n=len(data.by_unit), year=year, total=format_count(data.units_counted))
        for rates, title in ((data.by_district, gettext("Compliance rate by district, %(year)d", year=year)),
                             (data.by_department, gettext("Compliance rate by department, %(year)d", year=year)),
                             (data.by_unit, by_unit)):
            if rates:
                svgs.append(charts.bars(title, [(r.label, r.percent) for r in rates], suffix="%", maximum=100))
        source_labels = {"platform": gettext("Platform courses"), "class": gettext("Filed classes"),
                         "claim": gettext("Claims")}
        svgs.append(charts.bars(gettext("Credited hours by source"),
                                [(source_labels[k], v) for k, v in data.hours_by_source.items()]))
        svgs.append(charts.bars(gettext("Credited hours by month"),
                                [(gettext("Month %(m)d", m=m), v) for m, v in data.hours_by_month.items()]))
        svgs.append(charts.bars(gettext("Classes by state"),
                                [(classes.WORKFLOW.label(s), data.classes_by_state.get(s, 0))
                                 for s in classes.WORKFLOW.states]))
        if data.bases_by_result:
            labels = {**{k: str(v) for k, v in evaluations.RESULT_LABELS.items()},
                      "not_evaluated": gettext("Not evaluated")}
            svgs.append(charts.bars(gettext("Bases by evaluation result"),
                                    [(labels[k], data.bases_by_result.get(k, 0))
                                     for k in (*EVAL_RESULTS, "not_evaluated")]))
        return svgs
