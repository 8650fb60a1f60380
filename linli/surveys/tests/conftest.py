import pytest
import time_machine

from linli.surveys import hooks
from linli.surveys.tests.helpers import NOW


@pytest.fixture(autouse=True)
def _frozen_day():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _no_foreign_hooks(monkeypatch):
    """The surveys' tests run without other modules' hooks (the college's has its own tests);
    a test registers its own with ``hooks.on_response``."""
    monkeypatch.setattr(hooks, "_hooks", {})
