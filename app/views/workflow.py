"""Workflow steps on screens and in the REST API, derived from the declarations
in the services (app/services/workflow.py); no view writes a step by hand.

`WorkflowView` gives a record's page the steps its user may take on the row
(a button, or a small form for the step's inputs) and one POST
/<view>/step/<name>/<pk> that runs any of them. `WorkflowApi` gets one
endpoint per step, POST /api/v1/<resource>/<pk>/step/<name> with a JSON body,
and its OpenAPI entry, written from the declaration. Both add the steps'
permissions to the class's base permissions. Steps marked `custom` (uploads,
edit forms) keep hand-written endpoints that call the same runner."""
from __future__ import annotations

from typing import Callable

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from ..formatting import local_time
from ..security import scope as scopes
from ..services import progress
from ..services.errors import BusinessError
from ..services.sheets import SheetProblems, keep_report
from ..services.workflow import Input, Transition, Workflow, actionable
from .base import error_response, expose
from .lists import LookupField, offer_filter, yes_no


def build_form(inputs, data=None):
    """A FlaskForm with one field per Input (CSRF included)."""

    class Form(FlaskForm):
        pass

    for spec in inputs:
        required = {} if spec.optional else {"required": True}
        if spec.kind == "textarea":
            widget = TextAreaField(spec.label, render_kw={"rows": 3, "placeholder": str(spec.placeholder),
                                                          **required})
        elif spec.kind == "select":
            # the step checks the value itself (a clear refusal, not a bare 400)
            widget = SelectField(spec.label, choices=spec.choices() if spec.choices else [],
                                 validate_choice=False, render_kw=required)
        elif spec.kind == "lookup":
            widget = LookupField(spec.label, model=spec.model, render_kw=required)
        elif spec.kind == "checkbox":
            widget = BooleanField(spec.label)
        elif spec.kind == "date":
            widget = StringField(spec.label, render_kw={"type": "date", **required})
        else:
            widget = StringField(spec.label, render_kw={"placeholder": str(spec.placeholder), **required})
        setattr(Form, spec.name, widget)
    return Form(data=data)


def form_data(form) -> dict:
    return {name: f.data for name, f in form._fields.items() if name != "csrf_token"}


def report_record(pk) -> str:
    """What a problem report of this view's record `pk` is kept for (keep_report)."""
    return f"{request.blueprint}:{pk}"


def refuse(exc: BusinessError, pk=None) -> None:
    """A step refused on a screen (the runner kept nothing of it): a record out
    of scope stays a 404, a file refused row by row links its report (for the
    record `pk` and the user's scope), anything else is told in the user's language."""
    if exc.status == 404:
        abort(404)
    if isinstance(exc, SheetProblems):
        token = keep_report(exc.problems, report_record(pk), scopes.current_scope())
        flash(gettext("Nothing was written: %(n)d problems. %(link)s", n=len(exc.problems),
                      link=url_for(".problems", pk=pk, token=token)), "danger")
        return
    flash(str(exc), "danger")


def on_screen(run: Callable, pk, *args, success):
    """Run the service call run(scope, pk, *args) from a form on the record's
    page and go back to the page with the outcome (`success` may be a function
    of the result)."""
    try:
        result = run(scopes.current_scope(), pk, *args)
    except BusinessError as exc:
        refuse(exc, pk)
    else:
        flash(str(success(result) if callable(success) else success), "success")
    return redirect(url_for(".show", pk=pk))


def back_to(pk, message) -> "Response":
    """Back to the record's page, telling the user what happened."""
    flash(str(message), "success")
    return redirect(url_for(".show", pk=pk))


def show_error(form, exc: BusinessError) -> None:
    """A refusal on a form: each problem under its field, or flashed (a 404 stays a 404)."""
    if exc.status == 404 and not exc.field:
        abort(404)
    for field, text in (exc.by_field() or {"": str(exc)}).items():
        target = form._fields.get(field)
        if target is not None:
            target.errors = list(target.errors) + [text]
        else:
            flash(text, "danger")


def api_answer(api, run: Callable, *args, code: int = 200, answer: Callable | None = None):
    """Run a service call for an API endpoint: its answer as JSON, or the refusal."""
    try:
        result = run(*args)
    except BusinessError as exc:
        return error_response(api, exc)
    if answer is not None:
        return api.response(code, **answer(result))
    return api.response(code, **({"id": result.id, "state": getattr(result, "state", None)}
                                 if hasattr(result, "id") else {"message": "OK"}))


def _with_permissions(cls, workflow: Workflow) -> None:
    own = list(cls.__dict__.get("base_permissions") or [])
    cls.base_permissions = list(dict.fromkeys(own + [f"can_{p}" for p in workflow.permissions]))


class FilterICanAct(BaseFilter):
    """On the state column: y — the rows on which the viewer can take a waiting step
    (`Workflow.actionable`, what the home page counts as to-dos); anything else, none."""

    name = _l("I can act on")
    arg_name = "act"

    def apply(self, query, value):
        if yes_no(value) is not True:
            return query.filter(False)
        model = self.datamodel.obj
        mine = actionable(scopes.current_scope(), model).with_only_columns(model.id)
        return query.filter(model.id.in_(mine))


class WorkflowView:
    """Mixin for ScopedModelView (put it first): the steps of `workflow` on screens."""

    workflow: Workflow | None = None
    after_steps: dict[str, Callable] = {}  # step name -> fn(row), once it is committed

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("workflow") is not None:
            _with_permissions(cls, cls.workflow)

    def _init_properties(self):
        """FAB's, plus `FilterICanAct` first on a searchable state column."""
        super()._init_properties()
        wf = self.workflow
        column = getattr(wf.state.column, "key", None) if wf is not None and wf.state else None
        if column in self._filters.get_search_filters():
            offer_filter(self, FilterICanAct(column, self.datamodel), 0)

    def step_context(self, row) -> dict:
        """For the show template: `steps` (each with its form), the names of every
        step open to the user (`may_step`, custom ones included), the state label."""
        scope = scopes.current_scope()
        available = self.workflow.available(scope, row)
        return {
            "progress": progress.step_bar(self.workflow, row),
            "local_date": lambda at: local_time(at, "%Y-%m-%d"),
            "steps": [(t, build_form(t.inputs)) for t in available if not t.custom],
            "may_step": {t.name for t in available},
            "state_label": self.workflow.label(self.workflow.state_of(row)),
        }

    def refuse_unless(self, name: str, row):
        """A custom step's page (an edit form): redirect with the reason if the
        user may not take it on the row now, else None."""
        refused = self.workflow.refusal(name, scopes.current_scope(), row)
        if refused is None:
            return None
        refuse(refused)
        return redirect(url_for(".show", pk=row.id))

    @expose("/step/<name>/<pk>", methods=["POST"])
    @has_access
    @permission_name("show")
    def step(self, name, pk):
        transition = self.workflow.transitions.get(name)
        if transition is None or transition.custom:
            abort(404)
        scope = scopes.current_scope()
        if not self.workflow.may(scope, transition.permission):
            abort(403)
        form = build_form(transition.inputs)
        if not form.validate_on_submit():
            abort(400)
        try:
            row = self.workflow.run(name, scope, pk, form_data(form))
        except BusinessError as exc:
            refuse(exc)
        else:
            hook = self.after_steps.get(name)
            if hook is not None:
                hook(row)
            flash(transition.told(row), "success")
        return redirect(url_for(".show", pk=pk))


class RecordPage:
    """Mixin for a WorkflowView: the record's page lists its steps (workflow_show.html);
    `extra_show(row)` adds to the template's context."""

    show_template = "xueshi/workflow_show.html"

    def extra_show(self, row) -> dict:
        return {}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        row = scopes.get_or_404(self.datamodel.obj, pk)
        return self.render_template(
            self.show_template, pk=row.id, title=self.show_title, widgets=self._show(row.id),
            related_views=[], row=row, **self.step_context(row), **self.extra_show(row))


class CreatePage:
    """Mixin: GET/POST /<view>/new renders `create_inputs` and calls `create(scope, data)`."""

    create_inputs: tuple[Input, ...] = ()
    create_title = ""
    create_note = ""

    def create(self, scope, data):  # pragma: no cover - subclasses
        raise NotImplementedError

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("create")
    def new(self):
        form = build_form(self.create_inputs, request.args.to_dict() or None)
        if request.method == "POST" and form.validate_on_submit():
            try:
                row = self.create(scopes.current_scope(), form_data(form))
            except BusinessError as exc:
                if exc.status in (403, 404, 409) and not exc.field:
                    flash(str(exc), "danger")
                else:
                    show_error(form, exc)
            else:
                return back_to(row.id, gettext("Saved."))
        return self.render_template("xueshi/form.html", form=form, title=str(self.create_title),
                                    note=str(self.create_note), back_url=url_for(".list"),
                                    submit=gettext("Save"))


class CreateApi:
    """Mixin for ScopedModelRestApi (put it first): POST /api/v1/<resource>/ runs the
    service `create(scope, body)` and answers 201 with the id; `create_summary`
    names the body's fields in the OpenAPI entry."""

    create: Callable  # staticmethod(service function)
    create_summary = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("create_summary"):
            cls.openapi_spec_methods = {**getattr(cls, "openapi_spec_methods", {}),
                                        "post": {"post": {"summary": cls.create_summary}}}

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("create")
    def post(self):
        """Create a record from the JSON body
        ---
        post:
          responses:
            201: {description: Created; the answer carries its id}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            409: {description: Not possible now}
        """
        body = request.get_json(silent=True)
        return api_answer(self, self.create, scopes.current_scope(),
                          body if isinstance(body, dict) else {}, code=201,
                          answer=lambda row: {"id": row.id})


def label_of(table: dict) -> Callable:
    """A column formatter showing a code's label from `table`."""
    return lambda value: str(table.get(value, value or ""))


def options(table: dict) -> Callable:
    """Select choices from a code → label table."""
    return lambda: [(k, str(v)) for k, v in table.items()]


def _api_step(transition: Transition):
    def step(self, pk):
        return self.run_step(transition.name, pk)

    step.__name__ = step.__qualname__ = f"step_{transition.name}"
    step.__doc__ = f"Workflow step {transition.name} (its OpenAPI entry comes from the declaration)."
    step._transition = transition
    step = permission_name(transition.permission)(step)
    return api_expose(f"/<int:pk>/step/{transition.name}", methods=["POST"])(protect()(safe(step)))


class WorkflowApi:
    """Mixin for ScopedModelRestApi (put it first): one endpoint per step of `workflow`."""

    workflow: Workflow | None = None
    after_steps: dict[str, Callable] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        workflow = cls.__dict__.get("workflow")
        if workflow is None:
            return
        _with_permissions(cls, workflow)
        for transition in workflow.transitions.values():
            if not transition.custom:
                setattr(cls, f"step_{transition.name}", _api_step(transition))

    def pre_get(self, data):
        """GET /<pk> also says which steps the caller may take on the row now."""
        super().pre_get(data)
        row = scopes.get_in_scope(self.workflow.model, data.get("id"))
        if row is not None and isinstance(data.get("result"), dict):
            data["result"]["steps"] = [t.name for t in self.workflow.available(scopes.current_scope(), row)]

    def run_step(self, name: str, pk):
        body = request.get_json(silent=True)
        try:
            result = self.workflow.run(name, scopes.current_scope(), pk,
                                       body if isinstance(body, dict) else {})
        except BusinessError as exc:
            return error_response(self, exc)
        hook = self.after_steps.get(name)
        if hook is not None:
            hook(result)
        answer = {"id": getattr(result, "id", None),
                  "message": self.workflow.transitions[name].told(result)}
        if isinstance(result, self.workflow.model) and self.workflow.state is not None:
            answer["state"] = self.workflow.state_of(result)
        return self.response(200, **answer)

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        transition = getattr(func, "_transition", None)
        if transition is None:
            return super().operation_helper(path=path, operations=operations, methods=methods,
                                            func=func, **kwargs)
        operations["post"] = openapi_operation(self.workflow, transition)


def _input_schema(spec: Input) -> dict:
    schema = dict(spec.schema or ({"type": "boolean"} if spec.kind == "checkbox" else {"type": "string"}))
    if spec.kind == "date":
        schema["format"] = "date"
    if spec.kind == "select" and spec.choices is not None and spec.schema is None:
        schema["enum"] = [k for k, _ in spec.choices() if k]
    schema["description"] = str(spec.label)
    return schema


def openapi_operation(workflow: Workflow, transition: Transition) -> dict:
    """The OpenAPI entry of a step, from its declaration."""
    sources = "any" if transition.sources is None else ", ".join(
        f"{s} ({workflow.label(s)})" for s in sorted(transition.sources))
    target = "unchanged" if transition.target is None else (
        f"{transition.target} ({workflow.label(transition.target)})")
    guards = "".join(f" {guard.message}" for guard in transition.guards)
    operation = {
        "summary": str(transition.label),
        "description": (f"From: {sources}. To: {target}. Permission: can_{transition.permission} "
                        f"on {workflow.resource}Api.{guards}"),
        "parameters": [{"in": "path", "name": "pk", "required": True, "schema": {"type": "integer"}}],
        "responses": {
            "200": {"description": str(transition.done or gettext("Done.")), "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "state": {"type": "string"},
                    "message": {"type": "string"}}}}}},
            "400": {"$ref": "#/components/responses/400"},
            "401": {"$ref": "#/components/responses/401"},
            "403": {"$ref": "#/components/responses/403"},
            "404": {"$ref": "#/components/responses/404"},
            "409": {"description": "Not possible in the record's state"},
        },
        "security": [{"jwt": []}],
    }
    if transition.inputs:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {spec.name: _input_schema(spec) for spec in transition.inputs},
            "required": [spec.name for spec in transition.inputs
                         if spec.kind != "checkbox" and not spec.optional]}}}}
    return operation


__all__ = ["CreateApi", "CreatePage", "RecordPage", "WorkflowApi", "WorkflowView", "api_answer",
           "back_to", "build_form", "label_of", "options", "form_data", "on_screen",
           "openapi_operation", "refuse", "show_error"]
