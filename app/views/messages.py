"""消息中心: the login's own messages; opening one marks it read."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import gettext
from sqlalchemy import func, select

from ..extensions import db
from ..formatting import local_time
from ..models import Message
from ..security import scope as scopes
from ..services import messages
from ..services.errors import BusinessError
from .base import expose

PAGE = 30


class MessageView(BaseView):
    route_base = "/messages"
    default_view = "index"
    base_permissions = ["can_read"]

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("read")
    def index(self):
        scope = scopes.current_scope()
        page = max(request.args.get("page", 0, type=int), 0)
        stmt = scopes.scoped(Message, scope).order_by(Message.id.desc())
        total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar()
        rows = db.session.execute(stmt.offset(page * PAGE).limit(PAGE)).scalars().all()
        return self.render_template("xueshi/messages.html", rows=rows, page=page, total=total,
                                    pages=(total + PAGE - 1) // PAGE, local_time=local_time,
                                    title=gettext("Messages"))

    @expose("/<pk>", methods=["GET"])
    @has_access
    @permission_name("read")
    def show(self, pk):
        """Mark the message read and go where it points."""
        scope = scopes.current_scope()
        try:
            messages.mark_read(scope, pk)
        except BusinessError:
            abort(404)
        row = scopes.get_or_404(Message, pk, scope)
        return redirect(row.url or url_for("MessageView.index"))

    @expose("/read-all", methods=["POST"])
    @has_access
    @permission_name("read")
    def read_all(self):
        count = messages.mark_read(scopes.current_scope())
        flash(gettext("%(n)d messages marked read.", n=count), "info")
        return redirect(url_for("MessageView.index"))


def unread_messages() -> int:
    user = g.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return messages.unread_count(scopes.current_scope())
