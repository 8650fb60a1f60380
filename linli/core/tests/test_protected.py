"""Protected personal data: encrypted at rest, a keyed hash beside it, plaintext in Python."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from linli.accounts.models import User
from linli.core import protected
from linli.core.testing import XINGJIAQIAO, make_id_number
from linli.people.models import Resident
from linli.people.services import resident_create, resident_login_account

pytestmark = pytest.mark.django_db

PHONE = "13912345678"



def _raw_rows(table: str, pk) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        rows = cursor.fetchall()
    assert len(rows) == 1
    return [str(v) for v in rows[0]]


def _parts(value: str) -> list[str]:
    """The value and its telling pieces: a leak of the middle digits counts too."""
    return [value, value[6:14], value[3:7] + value[7:]] if len(value) == 18 else [value, value[3:]]


@pytest.fixture
def registered(personas):
    number = make_id_number(dt.date(1951, 9, 9), "M")
    resident = resident_create(by=personas.xjq_worker, name="王建国", id_number=number, area_code=XINGJIAQIAO,
                               phone=PHONE, address="邢家桥路 8 号")
    return resident, number


def test_resident_row_holds_no_plaintext_id_or_phone(registered):
    resident, number = registered
    cells = _raw_rows("people_resident", resident.pk)
    joined = "\x1f".join(cells)
    for secret in (*_parts(number), *_parts(PHONE)):
        assert secret not in joined, f"{secret} stored in clear"
    assert "王建国" in joined  # the query really read this row
    assert protected.blind_index(number) in cells
    assert protected.blind_index(PHONE) in cells


def test_user_row_holds_no_plaintext_phone(registered):
    resident, _number = registered
    user = resident_login_account(resident=resident)
    cells = "\x1f".join(_raw_rows("accounts_user", user.pk))
    for secret in _parts(PHONE):
        assert secret not in cells
    assert protected.blind_index(PHONE) in cells
    assert User.objects.get(pk=user.pk).phone == PHONE


def test_model_reads_back_plaintext(registered):
    resident, number = registered
    fresh = Resident.objects.get(pk=resident.pk)
    assert fresh.id_number == number
    assert fresh.phone == PHONE
    assert fresh.id_number_masked == number[:6] + "********" + number[-4:]
    assert fresh.phone_masked == "139****5678"


def test_stored_value_is_versioned_ciphertext(registered):
    resident, number = registered
    stored = Resident.objects.filter(pk=resident.pk).values_list("id_number", flat=True).get()
    # values_list goes through the field too; read the column itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_resident WHERE id = %s", [resident.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert stored == number
    assert raw_id.startswith("v1:") and raw_phone.startswith("v1:")
    assert protected.decrypt(raw_id) == number
    assert protected.decrypt(raw_phone) == PHONE


def test_blank_phone_stays_blank():
    assert protected.EncryptedTextField().get_prep_value("") == ""
    assert protected.EncryptedTextField().get_prep_value(None) is None


def test_same_value_encrypts_differently_each_time():
    first, second = protected.encrypt(PHONE), protected.encrypt(PHONE)
    assert first != second
    assert protected.decrypt(first) == protected.decrypt(second) == PHONE


def test_blind_index_is_deterministic_and_distinguishes_values():
    assert protected.blind_index(PHONE) == protected.blind_index(PHONE)
    assert protected.blind_index(PHONE) != protected.blind_index("13912345679")
    assert len(protected.blind_index(PHONE)) == 64
    # keyed: not the bare SHA-256 of the value
    assert protected.blind_index(PHONE) != hashlib.sha256(PHONE.encode()).hexdigest()


def test_blind_index_and_ciphertext_depend_on_the_key(settings):
    token = protected.encrypt(PHONE)
    index = protected.blind_index(PHONE)
    settings.LINLI_FIELD_KEY = bytes(range(32))
    assert protected.blind_index(PHONE) != index
    with pytest.raises(InvalidTag):
        protected.decrypt(token)


def test_tampered_or_unversioned_ciphertext_is_refused():
    token = protected.encrypt(PHONE)
    with pytest.raises(ValueError, match="unknown ciphertext version"):
        protected.decrypt(token[3:])
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidTag):
        protected.decrypt(tampered)
