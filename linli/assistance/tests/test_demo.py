"""The assistance demo: a run of the engine over the demo communities, imported for the district."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from linli.accounts.models import User
from linli.assistance import demo as assistance_demo
from linli.assistance import selectors
from linli.assistance.models import Alert, AlertStatus, HomeCheck, MonitoringRun
from linli.demo.banner import banner
from linli.demo.builder import demo_load

XJQ, JZY = assistance_demo.XINGJIAQIAO, assistance_demo.JINZHUYUAN


@pytest.mark.django_db
def test_demo_imports_a_run_with_overdue_alerts_and_home_checks(monkeypatch):
    # A smaller demo than the default is enough here; run as of 20 days ago so that, in so few
    # households, the checks due in 15 days are already late.
    monkeypatch.setattr(assistance_demo, "MIN_RESIDENTS", 60)
    monkeypatch.setattr(assistance_demo, "RUN_DAYS_AGO", 20)
    demo_load(areas_prefix="50", size=60)
    today = dt.date.today()

    run = MonitoringRun.objects.get()
    assert run.params_example and run.area_id == "500112" and run.imported_by.username == "yb-aid"
    assert run.as_of == today - dt.timedelta(days=assistance_demo.RUN_DAYS_AGO)
    assert run.alerts_imported == Alert.objects.count() > 10 and run.alerts_out_of_scope == 0
    # Every alert is about a demo household: its head is the demo's resident, at the demo's address.
    assert not Alert.objects.filter(resident__isnull=True).exists()
    assert all(a.head_name == a.resident.name and a.resident.address == a.address
               for a in Alert.objects.select_related("resident"))
    assert {a for a in Alert.objects.values_list("area_id", flat=True)} == {XJQ, JZY}
    assert len(set(Alert.objects.values_list("rule", flat=True))) >= 4

    open_alerts = Alert.objects.filter(status=AlertStatus.OPEN)
    overdue = open_alerts.filter(deadline__lt=today)
    assert overdue.exists() and open_alerts.filter(deadline__gte=today).exists()
    assert overdue.filter(escalated_at__isnull=False).count() == overdue.count()

    checks = {c.alert.area_id: c for c in HomeCheck.objects.select_related("alert", "recorded_by")}
    assert checks[XJQ].outcome == "cleared" and checks[XJQ].recorded_by.username == "xjq-aid"
    assert checks[JZY].outcome == "referred" and checks[JZY].referred_to
    assert set(selectors.alerts_visible(User.objects.get(username="xjq-aid")).values_list("area_id", flat=True)) \
        == {XJQ}
    client = Client()
    client.force_login(User.objects.get(username="yb-aid"))
    assert client.get("/assistance/").status_code == 200
    alert = Alert.objects.filter(area_id=JZY).first()
    body = client.get(f"/assistance/alerts/{alert.pk}/").content.decode()
    assert f"/people/{alert.resident_id}/" in body and "示例参数" in body


@pytest.mark.django_db
def test_a_small_demo_goes_without_and_the_banner_prints_the_officers():
    demo_load(areas_prefix="50", size=10)
    assert not MonitoringRun.objects.exists()
    text = banner()
    assert "xjq-aid" in text and "yb-aid" in text and "救助专干" in text
