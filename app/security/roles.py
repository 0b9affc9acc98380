"""Roles as code: each role is an explicit list of (permission, view) pairs.

`sync_roles()` (run by `flask xueshi init`) makes the database match this
file exactly: missing pairs are added, anything else is removed. Rows a role
may see are decided separately, in `visibility.py`.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .scope import ADMIN_ROLE, forget_grants

ROLE_LABELS = {
    "association_admin": _l("City continuing-education association"),
    "authority_staff": _l("Industry authority staff"),
    "base_staff": _l("Training base staff"),
    "unit_reviewer": _l("Unit reviewer"),
    "professional": _l("Professional"),
    "district_officer": _l("District HR bureau officer"),
    "auditor": _l("Auditor"),
    ADMIN_ROLE: _l("System administrator"),
}
# Flask-AppBuilder's role of a visitor not signed in (AUTH_ROLE_PUBLIC): named, never granted.
PUBLIC_ROLE = "Public"


def role_label(name: str) -> str:
    """The Chinese name of a role, as every screen shows it."""
    if name == PUBLIC_ROLE:
        return str(_l("Visitor not signed in"))
    return str(ROLE_LABELS.get(name, name))

# What each permission allows, in words (FAB's names are codes: can_list, menu_access…).
PERMISSION_LABELS = {
    "can_list": _l("List"),
    "can_show": _l("Details"),
    "can_add": _l("Add"),
    "can_edit": _l("Edit"),
    "can_delete": _l("Delete"),
    "can_get": _l("Fetch"),
    "can_info": _l("Field descriptions"),
    "can_post": _l("Add"),
    "can_put": _l("Change"),
    "menu_access": _l("Menu entry"),
    "can_read": _l("Read"),
    "can_search": _l("Search"),
    "can_view": _l("View"),
    "can_chart": _l("Charts"),
    "can_check": _l("Check"),
    "can_create": _l("Create"),
    "can_change": _l("Change"),
    "can_submit": _l("Submit"),
    "can_upload": _l("Upload"),
    "can_download": _l("Download"),
    "can_withdraw": _l("Withdraw"),
    "can_review": _l("Review"),
    "can_first_review": _l("First review"),
    "can_return": _l("Return"),
    "can_revoke": _l("Revoke"),
    "can_suspend": _l("Suspend"),
    "can_close": _l("Close"),
    "can_hand_over": _l("Hand over"),
    "can_organise": _l("Organise"),
    "can_evaluate": _l("Evaluate"),
    "can_export": _l("Export"),
    "can_import": _l("Import"),
    "can_certificate": _l("Year certificate"),
    "can_pdf": _l("Certificate PDF"),
    "can_notice": _l("City-wide notice"),
    "can_publish": _l("Publish"),
    "can_published": _l("Published list"),
    "can_propose": _l("Propose"),
    "can_decide": _l("Decide"),
    "can_link": _l("Set the scope"),
    "can_recompute": _l("Recompute hours"),
    "can_recompute_selected": _l("Recompute the chosen"),
    "recompute": _l("Recompute hours"),
    "recompute_selected": _l("Recompute the chosen"),
    "can_unit_directory": _l("Unit directory"),
    "can_see_full": _l("See in full"),
    "can_userinfo": _l("Own profile"),
    "userinfoedit": _l("Edit own profile"),
    "resetmypassword": _l("Change own password"),
    "resetpasswords": _l("Reset passwords"),
    "can_this_form_get": _l("Open the form"),
    "can_this_form_post": _l("Send the form"),
    "copyrole": _l("Copy a role"),
}
# What a permission is on, where no screen title names it (see view_label).
VIEW_LABELS = {
    "IdNumbers": _l("Full ID numbers"),
    "MenuApi": _l("Menu"),
    "OpenApi": _l("API description"),
    "SwaggerView": _l("API description"),
    "MessageView": _l("Messages"),
    "LookupView": _l("Search as you type"),
    "UserInfoEditView": _l("Own profile"),
    "ResetMyPasswordView": _l("Own password"),
    "ResetPasswordView": _l("Password reset"),
    "UserDBModelView": _l("Logins"),
    "RoleModelView": _l("Roles"),
    "DashboardView": _l("Dashboard"),
    "EligibilityView": _l("Hours check"),
    "PublishedPlanView": _l("Published projects"),
    "JobView": _l("Job"),
    "PlatformImportView": _l("Platform course import"),
}


def _menu_labels() -> dict[str, str]:
    from flask import current_app

    found, items = {}, list(current_app.appbuilder.menu.menu)
    while items:
        item = items.pop()
        found[item.name] = str(item.label)
        items.extend(getattr(item, "childs", None) or [])
    return found


def view_label(name: str) -> str:
    """What a permission is on, as the screens name it: a menu entry by its
    label, a screen by its title, an API by the screen of its table."""
    from flask import current_app
    from flask_appbuilder.api import BaseApi
    from flask_babel import gettext

    from ..services.audit_search import table_label

    menu = _menu_labels()
    if name in menu and menu[name]:
        return menu[name]
    if name in VIEW_LABELS:
        return str(VIEW_LABELS[name])
    for view in current_app.appbuilder.baseviews:
        if name not in (getattr(view, "class_permission_name", None), type(view).__name__):
            continue
        api = isinstance(view, BaseApi)
        table = getattr(getattr(getattr(view, "datamodel", None), "obj", None), "__tablename__", None)
        title = None if api else getattr(view, "list_title", None)
        label = str(title) if title else table_label(table) if table else None
        if label:
            return gettext("%(what)s (API)", what=label) if api else label
    if name.endswith("Api") and name != "Api":  # an API without a table: by its screen
        screen = view_label(name[:-3] + "View")
        if screen != name[:-3] + "View":
            return gettext("%(what)s (API)", what=screen)
    return name


def permission_label(permission: str, view: str) -> str:
    return f"{view_label(view)}:{PERMISSION_LABELS.get(permission, permission)}"


def permissions_label(pairs) -> str:
    """A role's permissions in words, grouped by what they are on, the menu
    entries in one group: "学时申报(列表、详情、提交);…;菜单项(学时管理、…)".
    `pairs` are (permission, view) names or FAB's permission-view rows."""
    order = {name: i for i, name in enumerate(PERMISSION_LABELS)}
    grouped: dict[str, list[tuple[int, str]]] = {}
    menus: list[str] = []
    for pair in pairs or ():
        permission, view = pair if isinstance(pair, tuple) else (
            pair.permission.name, pair.view_menu.name)
        if permission == "menu_access":
            menus.append(view_label(view))
        else:
            grouped.setdefault(view_label(view), []).append(
                (order.get(permission, len(order)), str(PERMISSION_LABELS.get(permission, permission))))
    parts = [f"{view}({'、'.join(dict.fromkeys(name for _, name in sorted(names)))})"
             for view, names in sorted(grouped.items())]
    if menus:
        parts.append(f"{PERMISSION_LABELS['menu_access']}({'、'.join(sorted(set(menus)))})")
    return ";".join(parts)


# Which home page each role lands on at `/` (app/services/home.py builds each one).
HOME_PAGES = {
    "association_admin": "association",
    "authority_staff": "organiser",
    "base_staff": "organiser",
    "unit_reviewer": "unit",
    "professional": "person",
    "district_officer": "district",
    "auditor": "audit",
    ADMIN_ROLE: "admin",
}


# Per role: whether a login with it must sign in with a second factor (TOTP),
# and whether the role is granted only by two administrators (三员分立: one
# proposes, another approves; or the CLI at deploy time). Other roles: the
# second factor is optional, and an administrator grants the role alone.
@dataclass(frozen=True)
class RoleFlags:
    second_factor: bool = False
    dual_control: bool = False


PRIVILEGED = RoleFlags(second_factor=True, dual_control=True)
ROLE_FLAGS = {
    "association_admin": PRIVILEGED,
    "auditor": PRIVILEGED,
    ADMIN_ROLE: PRIVILEGED,
}


def _flags(role: str) -> RoleFlags:
    return ROLE_FLAGS.get(role, RoleFlags())


def second_factor_required(roles) -> bool:
    return any(_flags(r).second_factor for r in roles)


def needs_second_administrator(role: str) -> bool:
    return _flags(role).dual_control


def home_page(roles) -> str | None:
    """The home page of a login's roles (one role per login), or None."""
    return next((HOME_PAGES[r] for r in sorted(roles) if r in HOME_PAGES), None)


def holders(permission: str, view: str) -> list[str]:
    """The roles granted `permission` on `view`, as declared below."""
    pair = (permission if permission.startswith("can_") else f"can_{permission}", view)
    return [role for role, pairs in ROLE_PERMISSIONS.items() if pair in pairs]


Pair = tuple[str, str]


def screen_read(view: str) -> list[Pair]:
    return [("can_list", view), ("can_show", view)]


def screen_write(view: str) -> list[Pair]:
    return [("can_add", view), ("can_edit", view), ("can_delete", view)]


def api_read(api: str) -> list[Pair]:
    return [("can_get", api), ("can_info", api)]


def api_write(api: str) -> list[Pair]:
    return [("can_post", api), ("can_put", api), ("can_delete", api)]


def read(name: str) -> list[Pair]:
    """List/show the screen `<name>View` and GET the API `<name>Api`."""
    return screen_read(f"{name}View") + api_read(f"{name}Api")


def manage(name: str) -> list[Pair]:
    return read(name) + screen_write(f"{name}View") + api_write(f"{name}Api")


def steps(name: str, *permissions: str) -> list[Pair]:
    """Workflow permissions on both the screen `<name>View` and the API `<name>Api`."""
    return [(f"can_{p}", f"{name}{suffix}") for p in permissions for suffix in ("View", "Api")]


def menus(*names: str) -> list[Pair]:
    return [("menu_access", n) for n in names]


# Data permissions: not a screen or an API, but what a role may see of a record.
# FULL_ID_NUMBERS: resident ID numbers in full, of the people in the role's own
# scope (everybody else, and every number outside the scope, is masked), on
# screens, in the API and in every file (app/security/masking.py decides).
FULL_ID_NUMBERS: Pair = ("can_see_full", "IdNumbers")
DATA_PERMISSIONS: list[Pair] = [FULL_ID_NUMBERS]

# Every login: its own profile and password, the menu, the API description.
SELF_SERVICE: list[Pair] = [
    ("can_userinfo", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_get", "MenuApi"),
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
    ("can_read", "MessageView"),
    ("can_search", "LookupView"),  # search-as-you-type relations; rows by scope
]

# Every business login: the jobs it started (a job's page, its result, the API).
JOBS = [("can_list", "JobView"), ("can_show", "JobView"), ("can_get", "JobApi")] + menus("Hours", "My jobs")

REFERENCE = read("District") + read("Department") + menus("Reference", "Districts", "Departments")
HOURS_CHECK = steps("Eligibility", "check") + menus("Hours", "Hours check")
LEDGERS = (read("Ledger") + steps("Ledger", "certificate") + read("YearCertificate")
           + menus("Hours", "Ledgers", "Year certificates"))
OWN_CLAIMS = (read("Claim") + steps("Claim", "create", "change", "submit", "upload", "download", "withdraw")
              + menus("Hours", "Claims", "New claim"))
EXPORTS = read("ExportBatch") + steps("ExportBatch", "export", "download") + menus(
    "Hours", "Provincial exports", "New export")

CLASS_ORGANISER = (read("TrainingClass") + steps("TrainingClass", "organise", "download")
                   + read("Enrolment") + read("Certificate") + steps("Certificate", "pdf")
                   # any unit's name and credit code, for a roster; no unit screen or API
                   + [("can_unit_directory", "LookupView")]
                   + menus("Training", "Filed classes", "File a class", "Participants", "Certificates"))
CLASS_READER = (read("TrainingClass") + read("Enrolment") + read("Certificate")
                + steps("Certificate", "pdf")
                + menus("Training", "Filed classes", "Participants", "Certificates"))

# What everybody logged in may read: the published projects and the approved seminars.
PUBLISHED_LIST = ([("can_list", "PublishedPlanView"), ("can_published", "PlanProjectApi")]
                  + read("Seminar") + menus("Governance", "Published projects", "Advanced seminars"))
NOTICE = [("can_notice", "DishonestyRecordView")] + menus("Governance", "City-wide notice")
PROPOSER = (read("PlanProject") + steps("PlanProject", "create") + read("Seminar")
            + steps("Seminar", "create") + menus("Plan projects", "Advanced seminars"))

# 重新核算 of chosen ledgers and chosen people, each in the actor's scope (a job)
RECOMPUTE_CHOSEN = steps("Ledger", "recompute_selected") + [("can_recompute", "PersonView")]

ROLE_PERMISSIONS: dict[str, list[Pair]] = {
    "association_admin": SELF_SERVICE + JOBS
    + REFERENCE
    + manage("Person")
    + manage("Unit")
    + manage("TrainingBase")
    + screen_write("DepartmentView")
    + api_write("DepartmentApi")
    + menus("People", "Professionals", "Units", "Training", "Training bases")
    + read("Claim") + steps("Claim", "revoke", "download") + menus("Hours", "Claims")
    + LEDGERS + steps("Ledger", "recompute") + RECOMPUTE_CHOSEN + HOURS_CHECK + EXPORTS
    + steps("PlatformImport", "import") + menus("Platform import")
    + CLASS_READER + steps("TrainingClass", "review", "download") + steps("Certificate", "revoke", "suspend")
    + steps("YearCertificate", "revoke", "suspend")
    + PUBLISHED_LIST + NOTICE + [FULL_ID_NUMBERS]
    + read("PlanProject") + steps("PlanProject", "review", "publish")
    + read("Seminar") + steps("Seminar", "review")
    + read("BaseEvaluation") + steps("BaseEvaluation", "evaluate", "return")
    + read("Inspection") + steps("Inspection", "create", "hand_over")
    + read("Case") + read("DishonestyRecord") + steps("DishonestyRecord", "create")
    + [("can_view", "DashboardView")]
    + screen_read("LookupAlertView") + menus("Lookup alerts")
    + read("RosterLink") + steps("RosterLink", "review") + menus("Roster links")
    + read("PersonRequest") + steps("PersonRequest", "decide") + menus("Registration requests")
    + menus("Dashboard", "Plan projects", "Publish the list", "Advanced seminars",
            "Base evaluations", "Inspections", "Cases", "Dishonesty records"),
    "authority_staff": SELF_SERVICE + JOBS
    + REFERENCE
    + read("Person")
    + read("Unit")
    + read("TrainingBase")
    + menus("People", "Professionals", "Units", "Training", "Training bases")
    + CLASS_ORGANISER + PUBLISHED_LIST + NOTICE + PROPOSER
    + read("BaseEvaluation") + steps("BaseEvaluation", "first_review", "return")
    + menus("Base evaluations"),
    "base_staff": SELF_SERVICE + JOBS
    + REFERENCE
    + read("TrainingBase")
    + menus("Training", "Training bases")
    + CLASS_ORGANISER + PUBLISHED_LIST + NOTICE + PROPOSER
    + read("BaseEvaluation") + steps("BaseEvaluation", "create", "submit", "upload")
    + menus("Base evaluations"),
    "unit_reviewer": SELF_SERVICE + JOBS
    + REFERENCE
    + manage("Person")
    + read("Unit")
    + menus("People", "Professionals", "Units")
    + OWN_CLAIMS + steps("Claim", "review") + LEDGERS + RECOMPUTE_CHOSEN + HOURS_CHECK + EXPORTS
    + CLASS_ORGANISER + PUBLISHED_LIST + NOTICE + [FULL_ID_NUMBERS]
    + read("RosterLink") + steps("RosterLink", "review") + menus("Roster links")
    + read("PersonRequest") + steps("PersonRequest", "decide") + menus("Registration requests"),
    "professional": SELF_SERVICE + JOBS
    + read("Person")
    + read("Unit")
    + menus("People", "Professionals", "Units")
    + OWN_CLAIMS + LEDGERS + EXPORTS + CLASS_READER + PUBLISHED_LIST + [FULL_ID_NUMBERS]
    + read("RosterLink") + menus("Roster links"),
    "district_officer": SELF_SERVICE + JOBS
    + REFERENCE
    + read("Person")
    + read("Unit")
    + menus("People", "Professionals", "Units")
    + read("Claim") + steps("Claim", "download") + menus("Hours", "Claims")
    + LEDGERS + HOURS_CHECK + CLASS_READER + PUBLISHED_LIST + NOTICE
    + read("Case") + steps("Case", "close") + [("can_view", "DashboardView")]
    + menus("Cases", "Dashboard"),
    # The auditor reads the audit log and nothing else.
    "auditor": SELF_SERVICE + read("AuditEntry") + menus("Audit", "Audit log"),
    # Separation of duties: users and roles only, no business data.
    ADMIN_ROLE: SELF_SERVICE
    + screen_read("UserDBModelView")
    + screen_write("UserDBModelView")
    + [("resetpasswords", "UserDBModelView"), ("can_this_form_get", "ResetPasswordView"),
       ("can_this_form_post", "ResetPasswordView")]
    + screen_read("RoleModelView")
    + screen_read("UserScopeView")
    + [("can_create", "UserScopeView"), ("can_link", "UserScopeView")]
    + screen_read("RoleGrantView") + [("can_propose", "RoleGrantView"), ("can_decide", "RoleGrantView")]
    + api_read("User")  # logins are changed on screen, where one role per login is enforced
    + api_read("Role")
    + menus("Security", "New login", "List Users", "List Roles", "Login scopes", "Set a login's scope",
            "Role grants", "Propose a role"),
}

ALL_ROLES = tuple(ROLE_PERMISSIONS)


class UnknownPermission(RuntimeError):
    pass


def sync_roles(appbuilder) -> None:
    """Create every permission of the registered views, then set each role's
    permissions to exactly its declared pairs. Idempotent."""
    sm = appbuilder.sm
    declared = dict(ROLE_PERMISSIONS)
    declared[sm.auth_role_public] = []
    roles = {name: sm.find_role(name) or sm.add_role(name) for name in declared}
    appbuilder.add_permissions(update_perms=True)
    for permission, view in DATA_PERMISSIONS:
        sm.add_permission_view_menu(permission, view)
    # every (permission, view) pair in one query, not three queries for each of the ~800
    # declared pairs (sm.find_permission_view_menu): the same rows, a third of a sync's time
    pv_model = sm.permissionview_model
    existing = {
        (permission, view): pv
        for pv, permission, view in sm.session.query(
            pv_model, sm.permission_model.name, sm.viewmenu_model.name
        ).join(pv_model.permission).join(pv_model.view_menu)
    }
    for role_name, pairs in declared.items():
        role = roles[role_name]
        wanted = []
        for permission, view in dict.fromkeys(pairs):
            pv = existing.get((permission, view))
            if pv is None:
                raise UnknownPermission(f"{role_name}: no permission {permission} on {view}")
            wanted.append(pv)
        role.permissions = wanted
    sm.session.commit()
    forget_grants()
