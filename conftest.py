import pytest

from linli.accounts import sms


@pytest.fixture
def personas(db):
    from linli.core.testing import build_personas

    return build_personas()


@pytest.fixture(autouse=True)
def _memory_sms(settings):
    settings.LINLI_SMS_BACKEND = "memory"
    sms.outbox.clear()
    yield
    sms.outbox.clear()
