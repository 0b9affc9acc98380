"""The landing page: who you are, what you see, where to go."""
from __future__ import annotations

from flask import g
from flask_appbuilder import IndexView, expose

from ..security.scope import current_scope
from ..security.roles import ROLE_LABELS
from ..models import Department, District, Person, TrainingBase, Unit
from ..extensions import db


class HomeView(IndexView):
    index_template = "xueshi/index.html"

    @expose("/")
    def index(self):
        user = g.get("user")
        context = {"role_labels": [], "scope_target": None}
        if user is not None and user.is_authenticated:
            scope = current_scope()
            context["role_labels"] = [str(ROLE_LABELS.get(r, r)) for r in sorted(scope.roles)]
            for model, key in ((District, "district_id"), (Department, "department_id"),
                               (Unit, "unit_id"), (TrainingBase, "base_id"), (Person, "person_id")):
                target_id = getattr(scope, key)
                if target_id:
                    context["scope_target"] = db.session.get(model, target_id)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)
