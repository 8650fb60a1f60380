"""Residents' messages: written in the caller's transaction, texted only after it commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from linli.accounts import sms
from linli.notices import selectors, services
from linli.notices.models import Notice

pytestmark = pytest.mark.django_db


def test_notice_is_written_and_texted_after_commit(personas, django_capture_on_commit_callbacks):
    elder = personas.xjq_residents[1]
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_send(resident=elder, text="您候补的“太极拳”有空位了", link="/m/courses/")
        assert sms.outbox == []  # nothing leaves before the commit
    assert notice.sms_sent
    assert sms.outbox == [(elder.phone, "【邻里】您候补的“太极拳”有空位了")]
    assert selectors.unread_count(elder) == 1


def test_rolled_back_notice_sends_nothing(personas, django_capture_on_commit_callbacks):
    elder = personas.xjq_residents[1]
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.notice_send(resident=elder, text="不会发出")
                raise RuntimeError
        except RuntimeError:
            pass
    assert sms.outbox == []
    assert not Notice.objects.exists()


def test_no_phone_or_no_sms_means_page_only(personas, django_capture_on_commit_callbacks):
    elder = personas.xjq_residents[1]
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_send(resident=elder, text="只在页面上", sms=False)
    assert not notice.sms_sent and sms.outbox == []


def test_gateway_failure_keeps_the_message(personas, django_capture_on_commit_callbacks, settings):
    def broken(phone: str, text: str) -> None:
        raise OSError("gateway down")

    sms.register_backend("broken", broken)
    settings.LINLI_SMS_BACKEND = "broken"
    elder = personas.xjq_residents[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_send(resident=elder, text="短信网关故障时")
    assert Notice.objects.filter(resident=elder).count() == 1


def test_read_marks_only_that_residents_messages(personas):
    a, b = personas.xjq_residents[1], personas.xjq_residents[2]
    services.notice_send(resident=a, text="甲", sms=False)
    services.notice_send(resident=b, text="乙", sms=False)
    assert services.notices_read(resident=a) == 1
    assert selectors.unread_count(a) == 0 and selectors.unread_count(b) == 1
    assert [n.text for n in selectors.notices_for(a)] == ["甲"]
