"""schemathesis against the JSON API, in process over WSGI, as a logged-in district admin.

The schema is read from the app's own /api/v1/openapi.json, so a router added in linli/api.py
is fuzzed here without touching this file. Requests go through Django's real WSGI handler
(session cookie, CSRF cookie + X-CSRFToken header, the whole middleware stack) inside the test's
transaction, so the personas are there and nothing is left behind.

Bounded and reproducible: derandomized, no example database, 25 fuzzed examples per operation.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from schemathesis import checks as st_checks

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def in_process(settings):
    """Keep Django's WSGI handler from closing the test's connection at the end of each request
    (as django.test.Client does); otherwise each request would end the test's transaction."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def session(personas) -> dict:
    client = Client()
    client.force_login(personas.district_admin)
    csrf = get_random_string(32)
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


# Read at collection, from the app itself: one test per operation, new routers included.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)


@hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
@schema.parametrize()
def test_api_conforms_to_its_schema(case, in_process, session):
    r = case.call_and_validate(checks=CHECKS, **session)
    import collections, atexit
    STATS[(case.method, case.path, r.status_code)] += 1
import collections
STATS = collections.Counter()
def teardown_module():
    for k, v in sorted(STATS.items()): print(k, v)
