"""Schemathesis fuzzes the app's own OpenAPI document in-process (WSGI), as
the association, a unit reviewer and base staff: no answer may be a 5xx, and
every answer must match the document (`response_schema_conformance`).

The fuzzer writes (creates, deletes, workflow steps), so it runs on a world of
its own, never the session's. Driven by a loop over the operations with
Hypothesis (seeded, a fixed number of examples per operation and mode), so
the run is repeatable and bounded: a few minutes on two cores.
`XUESHI_FUZZ_OPERATIONS=roster` fuzzes only the operations whose label
matches that regular expression (e.g. after changing those paths)."""
from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.conftest import api_login, app_overrides, initialised_database_url, seed_world

ROLES = ("association_admin", "unit_reviewer", "base_staff")
EXAMPLES = {GenerationMode.POSITIVE: 2, GenerationMode.NEGATIVE: 1}
SEED = 14
# Signing out would end the fuzzing login's token half-way.
SKIPPED = {"POST /api/v1/security/logout"}


@pytest.fixture(scope="module")
def fuzz_app(instance_dir):
    from app import create_app
    from app.extensions import db

    application = create_app(app_overrides(initialised_database_url(instance_dir, "openapi_fuzz"),
                                           instance_dir))
    with application.app_context():
        seed_world(application)
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(app, username: str) -> dict:
    resp = api_login(app, app.test_client(), username, refresh=False)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app):
    """The document's operations, for the three roles: the document is the same for every
    login (it describes the whole API, not a login's share), and making it is most of the
    cost of loading it (FAB builds the spec of every API anew), so it is loaded once."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", fuzz_app,
                                            headers=_token(fuzz_app, ROLES[0]))
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation, mode: GenerationMode, headers: dict, failures: list) -> None:
    @seed(SEED)
    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error,
                                                     response_schema_conformance])
        except Exception as exc:  # noqa: BLE001 - schemathesis reports as exception groups
            failures.append(f"{operation.label} [{mode}] {response.status_code}: "
                            f"{str(exc).strip()[:400]}\n  {case.as_curl_command()[:300]}")

    try:
        run()
    except Unsatisfiable:  # no input breaks this operation's document (negative mode)
        pass


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_the_openapi_document_holds_under_fuzzing(fuzz_app, fuzz_schema, role):
    headers = _token(fuzz_app, role)
    operations = fuzz_schema
    failures: list[str] = []
    assert len(operations) > 100  # the whole API, not an empty document
    only = os.environ.get("XUESHI_FUZZ_OPERATIONS")
    if only:
        operations = [o for o in operations if re.search(only, o.label)]
        assert operations, only
    for operation in operations:
        if operation.label in SKIPPED:
            continue
        for mode in EXAMPLES:
            _fuzz(operation, mode, headers, failures)
    assert not failures, "\n".join(failures)
