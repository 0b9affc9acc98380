"""The navbar's menu, rendered once per set of grants and language.

FAB renders the menu on every page, asking the security manager about each of
its items. What it shows depends only on the login's roles and what they are
granted (read once a request, `scope.granted`), the language and the script
root, so the rendered HTML is kept under exactly that key: a change of grants
is a new key, never a stale menu."""
from __future__ import annotations

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from ..security.scope import granted

_MENUS: dict[tuple, Markup] = {}
_KEPT = 64  # distinct role sets × languages; beyond that the oldest go


def navbar_menu() -> Markup:
    sm = current_app.appbuilder.sm
    user = g.get("user")
    roles = sm.get_user_roles(user) if user is not None else [sm.get_public_role()]
    names = frozenset(role.name for role in roles if role is not None)
    key = (names, granted(frozenset(n for n in names if n not in sm.builtin_roles)),
           str(get_locale()), request.script_root)
    menu = _MENUS.get(key)
    if menu is None:
        menu = Markup(render_template("appbuilder/navbar_menu.html", menu=current_app.appbuilder.menu))
        while len(_MENUS) >= _KEPT:
            _MENUS.pop(next(iter(_MENUS)))
        _MENUS[key] = menu
    return menu
