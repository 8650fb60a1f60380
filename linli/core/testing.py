"""Named personas for tests: two communities in two streets, and someone for every role.

邢家桥社区 (人和街道) and 金竹苑社区 (康美街道), both in 渝北区, Chongqing — the seeds' pilots.
Built with the real services, so the fixtures obey the same rules as the product.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.areas.models import Area, Level
from linli.core import idcard

PASSWORD = "Linli-test-2026!"

XINGJIAQIAO = "500112009011"  # 邢家桥社区 (local code under 人和街道)
JINZHUYUAN = "500112022006"  # 金竹苑社区 (local code under 康美街道)
XJQ_GRID = XINGJIAQIAO + "001"

_seq = itertools.count(1)


def make_id_number(birth: dt.date, sex: str = "F", area6: str = "500112") -> str:
    """A valid, unused ID number (sequence numbers cycle through odd or even values)."""
    n = next(_seq) % 500
    sequence = n * 2 + (1 if sex == "M" else 0)
    return idcard.build(area6, birth, sequence % 1000)


def area_tree() -> dict[str, Area]:
    """Chongqing › 市辖区 › 渝北区 › two streets › two communities, and a grid."""
    rows = [
        ("50", "重庆市", Level.PROVINCE, None),
        ("5001", "市辖区", Level.CITY, "50"),
        ("500112", "渝北区", Level.COUNTY, "5001"),
        ("500112009", "人和街道", Level.STREET, "500112"),
        ("500112022", "康美街道", Level.STREET, "500112"),
        (XINGJIAQIAO, "邢家桥社区", Level.COMMUNITY, "500112009"),
        (JINZHUYUAN, "金竹苑社区", Level.COMMUNITY, "500112022"),
        (XJQ_GRID, "邢家桥一网格", Level.GRID, XINGJIAQIAO),
    ]
    areas: dict[str, Area] = {}
    for code, name, level, parent in rows:
        areas[code], _ = Area.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent_id": parent}
        )
    return areas


def staff(username: str, role: str | None = None, area_code: str | None = None, full_name: str = "") -> User:
    from linli.accounts.services import role_grant

    user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name or username)
    if role and area_code:
        role_grant(by=None, user=user, area=Area.objects.get(code=area_code), role=role)
    return user


def resident(area_code: str, name: str = "张桂英", *, birth: dt.date = dt.date(1948, 5, 17), sex: str = "F",
             phone: str = "", tags: tuple[str, ...] = (), by: Any = None) -> Any:
    from linli.people.services import resident_create

    by = by or _registrar(area_code)
    return resident_create(by=by, name=name, id_number=make_id_number(birth, sex), area_code=area_code, phone=phone,
                           address="测试路 1 号", tags=tags)


def _registrar(area_code: str) -> User:
    """A district admin who can register anyone in the test tree."""
    user = User.objects.filter(username="_registrar").first()
    return user or staff("_registrar", Role.DISTRICT_ADMIN, "500112")


@dataclass
class Personas:
    areas: dict[str, Area]
    district_admin: User
    renhe_admin: User  # street admin of 人和街道
    xjq_worker: User  # community worker of 邢家桥社区
    jzy_worker: User  # community worker of 金竹苑社区
    xjq_grid_worker: User
    assistance_officer: User  # on 邢家桥社区
    outsider: User  # staff account with no role anywhere
    xjq_residents: list[Any] = field(default_factory=list)
    jzy_residents: list[Any] = field(default_factory=list)
    resident_user: User | None = None  # the login of xjq_residents[0]


def build_personas(residents_per_community: int = 3) -> Personas:
    areas = area_tree()
    p = Personas(
        areas=areas,
        district_admin=staff("district", Role.DISTRICT_ADMIN, "500112", "区管理员"),
        renhe_admin=staff("renhe", Role.STREET_ADMIN, "500112009", "人和街道管理员"),
        xjq_worker=staff("xjq", Role.COMMUNITY_WORKER, XINGJIAQIAO, "邢家桥社工"),
        jzy_worker=staff("jzy", Role.COMMUNITY_WORKER, JINZHUYUAN, "金竹苑社工"),
        xjq_grid_worker=staff("xjqgrid", Role.GRID_WORKER, XJQ_GRID, "邢家桥网格员"),
        assistance_officer=staff("xjqaid", Role.ASSISTANCE_OFFICER, XINGJIAQIAO, "救助专干"),
        outsider=staff("outsider", full_name="无角色账号"),
    )
    for i in range(residents_per_community):
        code = XJQ_GRID if i == 0 else XINGJIAQIAO
        p.xjq_residents.append(resident(code, f"邢居民{i}", phone=f"1390000{i:04d}", birth=dt.date(1945 + i, 3, 8)))
        p.jzy_residents.append(resident(JINZHUYUAN, f"金居民{i}", phone=f"1370000{i:04d}", sex="M",
                                        birth=dt.date(1950 + i, 7, 1)))
    from linli.people.services import resident_login_account

    p.resident_user = resident_login_account(resident=p.xjq_residents[0])
    return p


def with_token(user: Any, data: dict | None = None) -> dict:
    """Form data with a fresh one-time submit token for ``user`` (see core.once)."""
    from django.core import signing

    from linli.core import once

    token = signing.dumps([getattr(user, "pk", None) or 0, f"t{next(_seq)}"], salt="linli.submit-once")
    return {**(data or {}), once.FIELD: token}


class Api:
    """A logged-in (or anonymous) API caller that does CSRF the way a browser page does."""

    def __init__(self, user: Any = None, *, csrf_header: bool = True) -> None:
        from django.test import Client
        from django.utils.crypto import get_random_string

        self.client = Client(enforce_csrf_checks=True)
        if user is not None:
            self.client.force_login(user)
        self.token = get_random_string(32)
        self.client.cookies["csrftoken"] = self.token
        self.csrf_header = csrf_header

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api/v1{path}", params or {})

    def post(self, path: str, data: Any, *, raw: str | None = None):
        headers = {"X-CSRFToken": self.token} if self.csrf_header else {}
        import json

        body = raw if raw is not None else json.dumps(data)
        return self.client.post(f"/api/v1{path}", data=body, content_type="application/json", headers=headers)
