"""Residents' phone-and-code login, in the services: who gets a code, limits, expiry, attempts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from linli.accounts import services, sms
from linli.accounts.errors import AccountsErrorCode
from linli.accounts.models import LoginCode, User
from linli.core import phone as phones
from linli.core import protected
from linli.core.errors import LinliError
from linli.core.models import AuditEntry
from linli.people.models import Resident

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
UNKNOWN = "13099998888"



@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def request_code(django_capture_on_commit_callbacks):
    """Ask for a code and run what waits for the commit (the SMS); the code sent, or None."""

    def _request(phone: str, client_ip: str | None = None) -> str | None:
        before = len(sms.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.login_code_request(phone=phone, client_ip=client_ip)
        if len(sms.outbox) == before:
            return None
        sent_to, text = sms.outbox[-1]
        assert sent_to == phones.parse(phone)
        return re.search(r"验证码是 (\d{6})", text).group(1)

    return _request


def _other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _refused(expected: str, *, phone: str, code: str) -> LinliError:
    with pytest.raises(LinliError) as caught:
        services.login_code_verify(phone=phone, code=code)
    assert caught.value.code == expected, caught.value.message
    return caught.value


# --- who gets a code ------------------------------------------------------------------------


def test_a_registered_resident_gets_a_code_by_sms(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    code = request_code(resident.phone)
    assert code is not None and len(code) == 6
    (entry,) = LoginCode.objects.all()
    assert entry.phone_hash == protected.blind_index(resident.phone)
    assert entry.code_hash != code and code not in entry.code_hash  # only a hash is kept
    assert entry.expires_at == START + dt.timedelta(minutes=5)


def test_an_unknown_number_is_answered_the_same_but_gets_no_sms(personas, clock, request_code):
    assert request_code(UNKNOWN) is None
    assert sms.outbox == []
    # the code row exists all the same, so limits count alike for known and unknown numbers
    assert LoginCode.objects.filter(phone_hash=protected.blind_index(UNKNOWN)).count() == 1
    with pytest.raises(LinliError) as caught:
        services.login_code_request(phone=UNKNOWN)
    assert caught.value.code == AccountsErrorCode.CODE_TOO_SOON


def test_an_agent_gets_a_code(personas, clock, request_code):
    from linli.people.services import proxy_bind

    proxy_bind(by=personas.xjq_worker, principal=personas.xjq_residents[1], relation="family", scopes=["enroll"],
               agent_phone="13566667777", agent_name="王小红")
    code = request_code("13566667777")
    user = services.login_code_verify(phone="13566667777", code=code)
    assert user.kind == User.Kind.AGENT and user.full_name == "王小红"


def test_an_archived_resident_gets_no_code(personas, clock, request_code):
    from linli.people.services import resident_archive

    resident = personas.jzy_residents[1]
    resident_archive(by=personas.jzy_worker, resident=resident, reason="迁往外地")
    assert request_code(resident.phone) is None


def test_the_number_is_normalized_and_validated(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    assert request_code("+86 " + resident.phone[:3] + " " + resident.phone[3:]) is not None
    assert sms.outbox[-1][0] == resident.phone
    with pytest.raises(LinliError) as caught:
        services.login_code_request(phone="139")
    assert caught.value.field == "phone"


# --- logging in -------------------------------------------------------------------------------


def test_the_code_logs_in_the_resident_and_makes_the_account_once(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    assert resident.user_id is None
    code = request_code(resident.phone)
    user = services.login_code_verify(phone=resident.phone, code=code)
    assert user.kind == User.Kind.RESIDENT
    assert Resident.objects.get(pk=resident.pk).user == user
    assert AuditEntry.objects.filter(action="login.code", actor=user).count() == 1
    users = User.objects.count()
    clock.shift(dt.timedelta(seconds=61))
    again = services.login_code_verify(phone=resident.phone, code=request_code(resident.phone))
    assert again == user
    assert User.objects.count() == users


def test_an_existing_login_is_reused(personas, clock, request_code):
    resident = personas.xjq_residents[0]
    code = request_code(resident.phone)
    assert services.login_code_verify(phone=resident.phone, code=f" {code[:3]} {code[3:]} ") == personas.resident_user


def test_each_resident_logs_in_as_themself(personas, clock, request_code):
    one, two = personas.xjq_residents[1], personas.jzy_residents[2]
    code_one, code_two = request_code(one.phone), request_code(two.phone)
    user_two = services.login_code_verify(phone=two.phone, code=code_two)
    user_one = services.login_code_verify(phone=one.phone, code=code_one)
    assert user_one != user_two
    assert Resident.objects.get(user=user_one) == one and Resident.objects.get(user=user_two) == two


def test_a_code_for_another_number_does_not_work(personas, clock, request_code):
    one, two = personas.xjq_residents[1], personas.xjq_residents[2]
    code_one = request_code(one.phone)
    request_code(two.phone)
    _refused(AccountsErrorCode.CODE_WRONG, phone=two.phone, code=code_one)


def test_an_expired_code_is_refused(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    code = request_code(resident.phone)
    clock.shift(dt.timedelta(minutes=5))
    error = _refused(AccountsErrorCode.CODE_EXPIRED, phone=resident.phone, code=code)
    assert error.field == "code"
    assert Resident.objects.get(pk=resident.pk).user_id is None


def test_a_code_just_inside_its_five_minutes_works(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    code = request_code(resident.phone)
    clock.shift(dt.timedelta(minutes=5) - dt.timedelta(seconds=1))
    assert services.login_code_verify(phone=resident.phone, code=code).kind == User.Kind.RESIDENT


def test_a_code_is_used_once(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    code = request_code(resident.phone)
    services.login_code_verify(phone=resident.phone, code=code)
    assert LoginCode.objects.get().used_at == START
    _refused(AccountsErrorCode.CODE_EXPIRED, phone=resident.phone, code=code)


def test_a_new_code_replaces_the_old_one(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    old = request_code(resident.phone)
    clock.shift(dt.timedelta(seconds=61))
    new = request_code(resident.phone)
    if old != new:
        _refused(AccountsErrorCode.CODE_WRONG, phone=resident.phone, code=old)
    assert services.login_code_verify(phone=resident.phone, code=new)


def test_wrong_codes_are_counted_in_the_database_and_lock_the_code(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    code = request_code(resident.phone)
    for left in (4, 3, 2, 1):
        error = _refused(AccountsErrorCode.CODE_WRONG, phone=resident.phone, code=_other(code))
        assert error.message == f"验证码不正确，还可以再试 {left} 次"
        assert LoginCode.objects.get().attempts == 5 - left  # committed, not rolled back with the refusal
    error = _refused(AccountsErrorCode.CODE_WRONG, phone=resident.phone, code=_other(code))
    assert error.message == "输错次数过多，请重新获取验证码"
    assert LoginCode.objects.get().attempts == 5
    # the right code no longer works
    locked = _refused(AccountsErrorCode.CODE_LOCKED, phone=resident.phone, code=code)
    assert locked.status == 429
    entry = LoginCode.objects.get()
    assert entry.attempts == 5 and entry.used_at is None
    assert Resident.objects.get(pk=resident.pk).user_id is None


def test_the_right_code_on_the_fifth_try_still_works(personas, clock, request_code):
    resident = personas.xjq_residents[1]
    code = request_code(resident.phone)
    for _ in range(4):
        _refused(AccountsErrorCode.CODE_WRONG, phone=resident.phone, code=_other(code))
    assert services.login_code_verify(phone=resident.phone, code=code).kind == User.Kind.RESIDENT


def test_a_right_code_for_an_unregistered_number_logs_in_nobody(personas, clock, monkeypatch):
    monkeypatch.setattr("linli.accounts.services.secrets.randbelow", lambda _n: 123456)
    services.login_code_request(phone=UNKNOWN)
    error = _refused(AccountsErrorCode.NOT_REGISTERED, phone=UNKNOWN, code="123456")
    assert error.field == "phone"
    assert not User.objects.filter(phone_hash=protected.blind_index(UNKNOWN)).exists()


def test_no_code_at_all(personas, clock):
    _refused(AccountsErrorCode.CODE_EXPIRED, phone=personas.xjq_residents[1].phone, code="123456")


# --- limits -----------------------------------------------------------------------------------


def test_resend_within_a_minute_is_refused(personas, clock, request_code):
    phone = personas.xjq_residents[1].phone
    request_code(phone)
    clock.shift(dt.timedelta(seconds=30))
    with pytest.raises(LinliError) as caught:
        request_code(phone)
    assert caught.value.code == AccountsErrorCode.CODE_TOO_SOON and caught.value.status == 429
    assert "请 31 秒后再试" in caught.value.message
    assert len(sms.outbox) == 1 and LoginCode.objects.count() == 1
    clock.shift(dt.timedelta(seconds=30))
    assert request_code(phone) is not None
    assert len(sms.outbox) == 2


def test_at_most_five_codes_an_hour(personas, clock, request_code):
    phone = personas.xjq_residents[1].phone
    for _ in range(5):
        assert request_code(phone) is not None
        clock.shift(dt.timedelta(minutes=2))
    with pytest.raises(LinliError) as caught:
        request_code(phone)
    assert caught.value.code == AccountsErrorCode.CODE_TOO_MANY and caught.value.status == 429
    assert len(sms.outbox) == 5
    # another number is not affected
    assert request_code(personas.xjq_residents[2].phone) is not None
    # an hour after the first code, one may ask again
    clock.move_to(START + dt.timedelta(hours=1, seconds=1))
    assert request_code(phone) is not None


def test_at_most_thirty_codes_an_hour_from_one_address(personas, clock, request_code):
    for i in range(30):
        request_code(f"1300000{i:04d}", client_ip="10.0.0.7")
    with pytest.raises(LinliError) as caught:
        request_code("13000009999", client_ip="10.0.0.7")
    assert caught.value.code == AccountsErrorCode.CODE_TOO_MANY
    assert request_code(personas.xjq_residents[1].phone, client_ip="10.0.0.8") is not None


def test_timestamps_are_the_frozen_clock(personas, clock, request_code):
    request_code(personas.xjq_residents[1].phone)
    assert LoginCode.objects.get().created_at == START == timezone.now()
