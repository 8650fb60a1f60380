"""The menu marks one entry active: the longest URL the page's path starts with."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from linli.accounts.context_processors import linli


@pytest.mark.parametrize(
    ("path", "active"),
    [("/assistance/runs/", ["监测批次"]), ("/assistance/alerts/3/", ["监测预警"]), ("/volunteering/teams/", ["服务队"])],
)
def test_only_the_longest_matching_entry_is_active(personas, path, active):
    request = RequestFactory().get(path)
    request.user = personas.district_admin if path.startswith("/volunteering") else personas.assistance_officer
    request.session = {}
    menu = linli(request)["linli_menu"]
    assert [item["title"] for item in menu if item["active"]] == active
