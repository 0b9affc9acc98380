"""Declarative workflow steps for screens and REST APIs.

A view lists its `steps`; the show page renders a small form for each step
the user may take on the row, and one POST endpoint runs it through the
service function — on the screen and, with a JSON body, on the API. Each
step names the FAB permission that guards it, so roles stay explicit."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from ..extensions import db
from ..security import scope as scopes
from ..services.errors import BusinessError
from .base import error_response, expose


@dataclass(frozen=True)
class Input:
    name: str
    label: object
    kind: str = "text"          # text, textarea, date, select, checkbox
    choices: Callable[[], list[tuple[str, str]]] | None = None
    placeholder: object = ""


@dataclass(frozen=True)
class Step:
    name: str
    label: object
    permission: str
    run: Callable                       # run(scope, pk, data) -> row
    inputs: tuple[Input, ...] = ()
    when: Callable = lambda row: True   # shown for this row?
    style: str = "primary"
    done: object = ""                   # flash text on success


def build_form(inputs, data=None):
    """A FlaskForm with one field per Input (CSRF included)."""

    class Form(FlaskForm):
        pass

    for spec in inputs:
        if spec.kind == "textarea":
            widget = TextAreaField(spec.label, render_kw={"rows": 3, "placeholder": str(spec.placeholder)})
        elif spec.kind == "select":
            widget = SelectField(spec.label, choices=spec.choices() if spec.choices else [])
        elif spec.kind == "checkbox":
            widget = BooleanField(spec.label)
        elif spec.kind == "date":
            widget = StringField(spec.label, render_kw={"type": "date"})
        else:
            widget = StringField(spec.label, render_kw={"placeholder": str(spec.placeholder)})
        setattr(Form, spec.name, widget)
    return Form(data=data)


def form_data(form) -> dict:
    return {name: f.data for name, f in form._fields.items() if name != "csrf_token"}


def refuse(exc: BusinessError) -> None:
    """A step refused on a screen: nothing of it is kept, a record out of scope
    stays a 404, and the reason is flashed."""
    db.session.rollback()
    if exc.status == 404:
        abort(404)
    flash(str(exc), "danger")


def screen_step(run: Callable, pk, *args, success):
    """Run the service step run(scope, pk, *args) from a form on the record's
    page, and go back to that page with the outcome."""
    try:
        run(scopes.current_scope(), pk, *args)
    except BusinessError as exc:
        refuse(exc)
    else:
        flash(str(success), "success")
    return redirect(url_for(".show", pk=pk))


def show_error(form, exc: BusinessError) -> None:
    target = form._fields.get(exc.field or "")
    if target is not None:
        target.errors = list(target.errors) + [str(exc)]
    else:
        flash(str(exc), "danger")


class StepsView:
    """Mixin for ScopedModelView: POST /<view>/step/<name>/<pk>."""

    steps: tuple[Step, ...] = ()

    def steps_for(self, row):
        sm = self.appbuilder.sm
        return [(s, build_form(s.inputs)) for s in self.steps
                if s.when(row) and sm.has_access(f"can_{s.permission}", self.class_permission_name)]

    @expose("/step/<name>/<pk>", methods=["POST"])
    def step(self, name, pk):
        step = next((s for s in self.steps if s.name == name), None)
        if step is None:
            abort(404)
        if not self.appbuilder.sm.has_access(f"can_{step.permission}", self.class_permission_name):
            abort(403)
        form = build_form(step.inputs)
        if not form.validate_on_submit():
            abort(400)
        return screen_step(step.run, pk, form_data(form), success=step.done or gettext("Done."))


class StepsApi:
    """Mixin for ScopedModelRestApi: POST /api/v1/<resource>/<pk>/step/<name> (JSON body)."""

    steps: tuple[Step, ...] = ()

    @api_expose("/<int:pk>/step/<name>", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")  # any reader reaches it; the step's own permission is checked inside
    def step(self, pk, name):
        """Run a workflow step on the record; the JSON body carries its inputs
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          - {in: path, name: name, schema: {type: string}}
          responses:
            200: {description: Done}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {description: Not possible in the record's state}
        """
        step = next((s for s in self.steps if s.name == name), None)
        if step is None:
            return self.response_404()
        if not self.appbuilder.sm.has_access(f"can_{step.permission}", self.class_permission_name):
            return self.response_403()
        body = request.get_json(silent=True)
        try:
            row = step.run(scopes.current_scope(), pk, body if isinstance(body, dict) else {})
        except BusinessError as exc:
            return error_response(self, exc)
        return self.response(200, id=getattr(row, "id", pk), message=str(step.done or gettext("Done.")))


def step_permissions(steps) -> list[str]:
    return sorted({f"can_{s.permission}" for s in steps})


__all__ = ["Input", "Step", "StepsApi", "StepsView", "build_form", "form_data", "refuse",
           "screen_step", "show_error", "step_permissions"]
