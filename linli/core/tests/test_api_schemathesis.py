"""The JSON API as a whole: its OpenAPI schema, its docs page, and schemathesis against both.

schemathesis reads the schema from the app's own /api/v1/openapi.json when this module is
collected, and makes one test per operation: a router added in linli/api.py is fuzzed here
without touching this file. Requests go in process through Django's real WSGI handler (whole
middleware stack, session cookie, CSRF cookie + X-CSRFToken header) as the district admin, inside
the test's transaction, so the personas are there and nothing is left behind.

Bounded and reproducible for CI: derandomized, no example database, 25 fuzzed examples per
operation (plus schemathesis' examples and coverage phases); the whole module runs in seconds.
The checks: no 5xx, every status declared, every body as declared, the declared content type.
Run on SQLite and on PostgreSQL (CI runs both), which refuses NUL characters in text.
"""

from __future__ import annotations

import json
import re

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from schemathesis import checks as st_checks

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260101,
        "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]
OPERATIONS = {  # at least these; a new router adds its own
    ("GET", "/api/v1/residents"),
    ("POST", "/api/v1/residents"),
    ("GET", "/api/v1/residents/{resident_id}"),
    ("POST", "/api/v1/residents/{resident_id}/reveal"),
    ("GET", "/api/v1/areas/held"),
    ("GET", "/api/v1/areas/{code}"),
    ("GET", "/api/v1/areas/{code}/children"),
    ("POST", "/api/v1/areas/{code}/children"),
}

# Read at collection, from the app itself (no database is needed to serve the schema).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)



@pytest.fixture
def in_process(settings):
    """Keep Django's WSGI handler from closing the test's connection at the end of each request,
    as django.test.Client does; otherwise the first request would end the test's transaction."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis' Host header
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def session(personas) -> dict:
    """The district admin's session cookie, and a CSRF cookie with the header that matches it."""
    client = Client()
    client.force_login(personas.district_admin)
    csrf = get_random_string(32)
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


@pytest.mark.slow
@pytest.mark.django_db
@hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,  # one database per operation, on purpose
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
    ],
)
@schema.parametrize()
def test_api_conforms_to_its_schema(case, in_process, session):
    case.call_and_validate(checks=CHECKS, **session)


# --- the schema itself ------------------------------------------------------------------------


def test_openapi_json_is_served_valid_and_declares_every_answer():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    doc = json.loads(response.content)
    schemathesis.openapi.from_dict(doc).validate()  # against the OpenAPI meta-schema
    assert doc["openapi"].startswith("3.")
    operations = {(m.upper(), p): op for p, item in doc["paths"].items() for m, op in item.items()}
    assert set(operations) >= OPERATIONS
    error = {"$ref": "#/components/schemas/Error"}
    for key, op in operations.items():
        assert op["security"] == [{"StaffSessionAuth": []}], key
        for status in ("401", "422"):
            assert op["responses"][status]["content"]["application/json"]["schema"] == error, (key, status)
        if key[0] == "POST":
            assert op["responses"]["403"]["content"]["application/json"]["schema"] == error, key
        assert any(s.startswith("2") for s in op["responses"]), key


def test_schemathesis_sees_every_operation():
    seen = {(r.ok().method.upper(), r.ok().path) for r in schema.get_all_operations()}
    assert seen >= OPERATIONS


# --- the docs page: everything from this server ---------------------------------------------------


def test_docs_page_uses_local_assets_only(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html and "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(a.startswith("/static/") for a in assets), assets
    # Swagger UI's default validator badge is an image from validator.swagger.io: turned off.
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings["validatorUrl"] == "none"
    assert settings["url"] == "/api/v1/openapi.json"
    for asset in assets:
        served = Client().get(asset)
        assert served.status_code == 200, asset
        if asset.endswith("swagger-ui-init.js"):
            assert b"http" not in b"".join(served.streaming_content)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_in_a_browser_without_leaving_the_server(browser_session):
    session = browser_session(viewport={"width": 1280, "height": 900})
    session.goto("/api/v1/docs")
    session.page.wait_for_selector(".opblock")
    assert session.page.locator(".opblock").count() >= len(OPERATIONS)
    assert session.page.locator(".errors-wrapper").count() == 0  # the schema parsed cleanly
    session.screenshot("api-docs")
    # browser_session fails the test if any request left this machine
