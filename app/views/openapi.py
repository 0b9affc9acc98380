"""The OpenAPI document describes the responses the API really gives.

FAB 5.3's generated document is wrong in three places every model API shares,
so a client (or schemathesis, tests/test_openapi_fuzz.py) built from it would
reject correct answers: a 400/422 `message` is a field -> messages object as
often as a string, `_info`'s `add_columns`/`edit_columns` are lists of column
descriptions, and record ids are integers. `described()` corrects those in
the served document; `OpenApi` replaces FAB's view of the same name (and so
the same permission, granted in roles.py)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi as FabOpenApi, SwaggerView

MESSAGE = {"oneOf": [{"type": "string"},
                     {"type": "object", "additionalProperties": True}]}
COLUMNS = {"type": "array", "items": {"type": "object"}}
RECORD_ID = {"type": "integer"}


def _json_schema(response: dict) -> dict:
    return response.get("content", {}).get("application/json", {}).get("schema", {})


def described(spec: dict) -> dict:
    """`spec` (FAB's document as a dict) corrected to the real responses."""
    for response in spec.get("components", {}).get("responses", {}).values():
        props = _json_schema(response).get("properties", {})
        if "message" in props:
            props["message"] = MESSAGE
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                props = _json_schema(response).get("properties", {})
                if path.endswith("/_info"):
                    for name in ("add_columns", "edit_columns"):
                        if name in props:
                            props[name] = COLUMNS
                if props.get("ids", {}).get("items") == {"type": "string"}:
                    props["ids"] = {**props["ids"], "items": RECORD_ID}
                if props.get("id") == {"type": "string"}:
                    props["id"] = RECORD_ID
                if "message" in props and props["message"].get("type") == "string":
                    props["message"] = MESSAGE
    return spec


class OpenApi(FabOpenApi):
    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI document of an API version
        ---
        get:
          parameters:
          - {in: path, schema: {type: string}, name: version}
          responses:
            200:
              description: The OpenAPI document
              content:
                application/json:
                  schema: {type: object}
            404: {$ref: '#/components/responses/404'}
        """
        api_spec = self._create_api_spec(version)
        found = False
        for view in current_app.appbuilder.baseviews:
            if isinstance(view, BaseApi) and view.version == version:
                view.add_api_spec(api_spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **described(api_spec.to_dict()))


def register(appbuilder) -> None:
    """In place of FAB's (config FAB_ADD_OPENAPI_VIEWS is off)."""
    appbuilder.add_api(OpenApi)
    appbuilder.add_view_no_menu(SwaggerView)
