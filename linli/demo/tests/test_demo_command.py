"""`linli demo`: loads once into an empty database, prints the logins, then serves."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from linli.demo import places
from linli.demo.places import PROXY
from linli.people.models import Resident


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--size", "5", "--areas-prefix", "50", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_loads_once_and_prints_the_logins():
    first = _command()
    assert "演示数据已生成：10 位居民" in first
    for text in ("http://127.0.0.1:8000/", "演示密码", places.PASSWORD, "xjq-grid1", "网格员", PROXY.phone,
                 PROXY.agent_phone, "验证码在本终端显示"):
        assert text in first
    second = _command("--port", "8123")
    assert "未重复生成" in second and "http://127.0.0.1:8123/" in second
    assert Resident.objects.count() == 10


@pytest.mark.django_db
def test_command_serves_on_localhost_with_static_files(monkeypatch):
    from linli.demo.management.commands import demo as command

    calls = []
    real = command.call_command
    monkeypatch.setattr(command, "call_command",
                        lambda name, *a, **kw: calls.append((name, *a)) if name == "runserver" else real(name, *a, **kw))
    call_command("demo", "--size", "1", "--areas-prefix", "50", "--port", "8123", stdout=io.StringIO())
    assert calls == [("runserver", "127.0.0.1:8123", "--noreload", "--insecure")]
