"""Districts, departments, units and training bases: screens and REST APIs."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from ..models import Department, District, TrainingBase, Unit
from ..validators import FormCheck, api_check, normalize_credit_code
from .base import ScopedModelRestApi, ScopedModelView

COMMON_FIELDS = {
    "id": (_l("ID"), _l("Internal record number")),
    "name": (_l("Name"), _l("Full name")),
    "contact": (_l("Contact"), _l("Contact person")),
    "phone": (_l("Phone"), _l("Contact phone number")),
    "address": (_l("Address"), _l("Postal address")),
    "created_at": (_l("Created"), _l("When the record was created")),
    "updated_at": (_l("Updated"), _l("When the record was last changed")),
}

DISTRICT_FIELDS = {
    **COMMON_FIELDS,
    "code": (_l("Code"), _l("GB/T 2260 administrative division code")),
    "name": (_l("Name"), _l("District or county-level city; 市直 for city-level units")),
}

DEPARTMENT_FIELDS = {
    **COMMON_FIELDS,
    "name": (_l("Name"), _l("Industry authority (行业主管部门)")),
}

UNIT_FIELDS = {
    **COMMON_FIELDS,
    "name": (_l("Name"), _l("Registered name of the employer")),
    "credit_code": (
        _l("Credit code"),
        _l("18-character unified social credit code (GB 32100 check character)"),
    ),
    "district": (_l("District"), _l("District the employer is registered in")),
    "department": (_l("Department"), _l("Industry authority of the employer")),
    "district.id": (_l("District ID"), _l("District record number")),
    "district.name": (_l("District"), _l("District name")),
    "department.id": (_l("Department ID"), _l("Department record number")),
    "department.name": (_l("Department"), _l("Department name")),
}

BASE_FIELDS = {
    **COMMON_FIELDS,
    "code": (_l("Base code"), _l("Code assigned by the association")),
    "name": (_l("Name"), _l("Name of the training base")),
    "department": (_l("Department"), _l("Industry authority the base belongs to")),
    "department.id": (_l("Department ID"), _l("Department record number")),
    "department.name": (_l("Department"), _l("Department name")),
    "status": (_l("Status"), _l("active, excellent or withdrawn (退出)")),
}


class DistrictView(ScopedModelView):
    datamodel = SQLAInterface(District)
    fields = DISTRICT_FIELDS
    list_title = _l("Districts")
    show_title = _l("District")
    list_columns = ["code", "name"]
    show_columns = ["code", "name"]
    search_columns = ["code", "name"]
    base_order = ("code", "asc")


class DistrictApi(ScopedModelRestApi):
    resource_name = "district"
    datamodel = SQLAInterface(District)
    fields = DISTRICT_FIELDS
    list_columns = ["id", "code", "name"]
    show_columns = ["id", "code", "name"]
    search_columns = ["code", "name"]


class DepartmentView(ScopedModelView):
    datamodel = SQLAInterface(Department)
    fields = DEPARTMENT_FIELDS
    list_title = _l("Departments")
    show_title = _l("Department")
    add_title = _l("Add department")
    edit_title = _l("Edit department")
    key_columns = ["name", "contact"]
    list_columns = ["name", "contact", "phone"]
    show_columns = ["name", "contact", "phone", "created_at", "updated_at"]
    add_columns = edit_columns = ["name", "contact", "phone"]
    search_columns = ["name"]
    base_order = ("name", "asc")


class DepartmentApi(ScopedModelRestApi):
    resource_name = "department"
    datamodel = SQLAInterface(Department)
    fields = DEPARTMENT_FIELDS
    list_columns = show_columns = ["id", "name", "contact", "phone"]
    add_columns = edit_columns = ["name", "contact", "phone"]
    search_columns = ["name"]


_UNIT_COLUMNS = ["name", "credit_code", "district", "department", "address", "contact", "phone"]


class UnitView(ScopedModelView):
    datamodel = SQLAInterface(Unit)
    fields = UNIT_FIELDS
    list_title = _l("Units")
    show_title = _l("Unit")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    key_columns = ["name", "district"]
    list_columns = ["name", "credit_code", "district", "department", "contact", "phone"]
    show_columns = _UNIT_COLUMNS + ["created_at", "updated_at"]
    add_columns = edit_columns = _UNIT_COLUMNS
    search_columns = ["name", "credit_code", "district", "department"]
    order_columns = ["name", "credit_code"]
    base_order = ("id", "asc")
    validators_columns = {"credit_code": [FormCheck(normalize_credit_code)]}


class UnitApi(ScopedModelRestApi):
    resource_name = "unit"
    datamodel = SQLAInterface(Unit)
    fields = UNIT_FIELDS
    list_columns = ["id", "name", "credit_code", "district.id", "district.name",
                    "department.id", "department.name"]
    show_columns = list_columns + ["address", "contact", "phone"]
    add_columns = edit_columns = _UNIT_COLUMNS
    search_columns = ["name", "credit_code", "district", "department"]
    validators_columns = {"credit_code": api_check(normalize_credit_code)}


_BASE_COLUMNS = ["code", "name", "department", "status", "address", "contact", "phone"]


class TrainingBaseView(ScopedModelView):
    datamodel = SQLAInterface(TrainingBase)
    fields = BASE_FIELDS
    list_title = _l("Training bases")
    show_title = _l("Training base")
    add_title = _l("Add training base")
    edit_title = _l("Edit training base")
    key_columns = ["name", "status"]
    list_columns = ["code", "name", "department", "status", "contact", "phone"]
    show_columns = _BASE_COLUMNS + ["created_at", "updated_at"]
    add_columns = edit_columns = _BASE_COLUMNS
    search_columns = ["code", "name", "department", "status"]
    base_order = ("code", "asc")


class TrainingBaseApi(ScopedModelRestApi):
    resource_name = "training_base"
    datamodel = SQLAInterface(TrainingBase)
    fields = BASE_FIELDS
    list_columns = ["id", "code", "name", "department.id", "department.name", "status"]
    show_columns = list_columns + ["address", "contact", "phone"]
    add_columns = edit_columns = _BASE_COLUMNS
    search_columns = ["code", "name", "department", "status"]
