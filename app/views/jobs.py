"""后台任务: the page of each job (state, progress, result download), the
caller's recent jobs, and the REST API. A job is seen by whoever started it
(and the association, which watches the queue); others get 404."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.api import BaseApi
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.api import protect, safe
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..formatting import local_time
from ..models import Job
from ..security import scope as scopes
from ..services import files
from ..services.audit_search import login_label
from .base import expose

STATES = {
    jobs.QUEUED: _l("Waiting"),
    jobs.RUNNING: _l("Running"),
    jobs.DONE: _l("Done"),
    jobs.FAILED: _l("Job failed"),
}


def as_json(job: Job) -> dict:
    return {
        "id": job.id, "kind": job.kind, "label": jobs.label(job), "state": job.state,
        "state_label": str(STATES.get(job.state, job.state)), "done": job.done, "total": job.total,
        "message": job.message, "error": job.error, "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "result": bool(job.result_name), "result_filename": job.result_filename,
    }


def start_or_back(view, kind: str, **params):
    """Start a job from a screen and show its page, or go back to the view's list
    with the reason (403 and bad input alike, in Chinese)."""
    from flask import flash

    from ..services.errors import BusinessError

    try:
        job = jobs.start(kind, scopes.current_scope(), **params)
    except BusinessError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(f"{type(view).__name__}.list"))
    return redirect_to(job)


def redirect_to(job: Job):
    """The answer of a request that started a job: its page."""
    return redirect(url_for("JobView.show", pk=job.id))


def _send(job: Job):
    return files.send("jobs", job.result_name, mimetype=job.result_mimetype or
                      "application/octet-stream", download_name=job.result_filename or "result")


class JobView(BaseView):
    route_base = "/jobs"
    default_view = "mine"
    base_permissions = ["can_list", "can_show"]

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("list")
    def mine(self):
        scope = scopes.current_scope()
        rows = db.session.execute(scopes.scoped(Job).where(Job.user_id == scope.user_id)
                                  .order_by(Job.id.desc()).limit(50)).scalars().all()
        figures = jobs.queue_figures() if scopes.sees_everything(Job, scope) else None
        return self.render_template("xueshi/jobs.html", rows=rows, states=STATES, label=jobs.label,
                                    figures=figures, when=local_time, title=gettext("My jobs"))

    @expose("/<int:pk>", methods=["GET"])
    @has_access
    @permission_name("show")
    def show(self, pk):
        job = scopes.get_or_404(Job, pk)
        return self.render_template("xueshi/job_show.html", job=job, states=STATES,
                                    label=jobs.label(job), when=local_time,
                                    started_by=login_label(job.user_id, job.username),
                                    finished=job.state in jobs.FINISHED,
                                    title=jobs.label(job))

    @expose("/<int:pk>/file", methods=["GET"])
    @has_access
    @permission_name("show")
    def file(self, pk):
        return _send(scopes.get_or_404(Job, pk))


class JobApi(BaseApi):
    resource_name = "jobs"
    base_permissions = ["can_get"]
    openapi_spec_tag = "Jobs"

    @api_expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, pk):
        """A job's state, progress, message or Chinese error
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: The job}
            404: {$ref: '#/components/responses/404'}
        """
        job = scopes.get_in_scope(Job, pk)
        if job is None:
            return self.response_404()
        return self.response(200, result=as_json(job))

    @api_expose("/<int:pk>/file", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def file(self, pk):
        """Download the job's result file
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: The file}
            404: {$ref: '#/components/responses/404'}
        """
        job = scopes.get_in_scope(Job, pk)
        if job is None or not job.result_name:
            return self.response_404()
        return _send(job)


def accepted(api, job: Job):
    """The API's answer to a request that started a job: 202 and where to poll."""
    return api.response(202, job=as_json(job), url=f"/api/v1/jobs/{job.id}")
