"""Xueshi's FAB security manager: rate-limits the API login too."""
from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager


class XueshiSecurityManager(SecurityManager):
    def register_views(self) -> None:
        super().register_views()
        if self.is_auth_limited:
            # FAB limits only the form login; the JWT login gets the same limit.
            for view in self.appbuilder.baseviews:
                if isinstance(view, self.security_api):
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
