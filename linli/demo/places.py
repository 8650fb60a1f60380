"""What the demo is made of: the two pilot communities, their grids and streets, the staff and
their passwords, and the family-proxy example. Constants only, so the banner can print the
logins without reading the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linli.accounts.roles import Role

# The pilots' community codes, the same as the test personas' (linli.core.testing).
XINGJIAQIAO = "500112009011"  # 邢家桥社区
JINZHUYUAN = "500112022006"  # 金竹苑社区
DISTRICT = "500112"  # 渝北区
RENHE = "500112009"  # 人和街道
KANGMEI = "500112022"  # 康美街道
ID_AREA = DISTRICT  # ID numbers of people born here start with the district's code

# Strong enough for Django's password validators; printed on screen, so for a demo only.
PASSWORD = "Linli-demo-2026"

# Ages are counted from a fixed day, not today, so the demo is the same on every run.
AGE_REFERENCE = dt.date(2026, 1, 1)
SEED = 2026
RESIDENTS_PER_COMMUNITY = 300


@dataclass(frozen=True)
class Block:
    """A road or estate of a community, and the grid it belongs to ("" = not yet in a grid)."""

    grid: str
    pattern: str  # filled with n (number / building), unit, floor, door
    numbers: tuple[int, int]
    units: int
    floors: int
    doors: int
    weight: int
    public_rental: bool = False  # 公租房


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    street: str
    grids: tuple[str, ...]  # names of the grids, suffixes 001, 002, …
    blocks: tuple[Block, ...]

    def grid_code(self, suffix: str) -> str:
        return self.code + suffix if suffix else self.code


GRID_NAMES = ("网格一", "网格二", "网格三", "网格四")

# 邢家桥: the oldest, mixed community of the new district, with old roads and resettlement housing.
XJQ = Community(
    code=XINGJIAQIAO,
    name="邢家桥社区",
    street=RENHE,
    grids=GRID_NAMES[:4],
    blocks=(
        Block("001", "邢家桥路 {n} 号 {unit} 单元 {floor}-{door}", (1, 30), 3, 6, 2, 30),
        Block("002", "邢家桥路 {n} 号 {unit} 单元 {floor}-{door}", (31, 60), 3, 6, 2, 25),
        Block("003", "邢家桥小区 {n} 栋 {unit} 单元 {floor}-{door}", (1, 12), 2, 7, 2, 20),
        Block("004", "邢家桥还建房 {n} 栋 {floor}-{door}", (1, 8), 1, 18, 4, 15),
        Block("", "人和老街 {n} 号", (1, 80), 1, 1, 1, 10),
    ),
)

# 金竹苑: much public rental housing (公租房) beside an ordinary estate.
JZY = Community(
    code=JINZHUYUAN,
    name="金竹苑社区",
    street=KANGMEI,
    grids=GRID_NAMES[:3],
    blocks=(
        Block("001", "金竹苑公租房 {n} 栋 {floor}-{door}", (1, 10), 1, 30, 6, 35, public_rental=True),
        Block("002", "金竹苑公租房 {n} 栋 {floor}-{door}", (11, 20), 1, 30, 6, 30, public_rental=True),
        Block("003", "金竹苑小区 {n} 栋 {floor}-{door}", (1, 12), 1, 11, 4, 25),
        Block("", "金竹苑商住楼 {n} 号 {floor}-{door}", (1, 4), 1, 8, 4, 10),
    ),
)

COMMUNITIES = (XJQ, JZY)
STREET_NAMES = {RENHE: "人和街道", KANGMEI: "康美街道"}


@dataclass(frozen=True)
class Staff:
    username: str
    full_name: str
    role: str
    area_code: str
    area_label: str  # printed in the banner


STAFF = (
    Staff("district", "刘建华", Role.DISTRICT_ADMIN, DISTRICT, "渝北区"),
    Staff("renhe", "陈晓梅", Role.STREET_ADMIN, RENHE, "人和街道"),
    Staff("kangmei", "黄志刚", Role.STREET_ADMIN, KANGMEI, "康美街道"),
    Staff("xjq", "王丽", Role.COMMUNITY_WORKER, XINGJIAQIAO, "人和街道 邢家桥社区"),
    Staff("jzy", "张敏", Role.COMMUNITY_WORKER, JINZHUYUAN, "康美街道 金竹苑社区"),
    Staff("xjq-grid1", "李勇", Role.GRID_WORKER, XINGJIAQIAO + "001", "邢家桥社区 网格一"),
    Staff("xjq-aid", "赵静", Role.ASSISTANCE_OFFICER, XINGJIAQIAO, "邢家桥社区"),
    Staff("yb-aid", "孙晓燕", Role.ASSISTANCE_OFFICER, DISTRICT, "渝北区"),  # imports the monthly run
)
WORKER_OF = {XINGJIAQIAO: "xjq", JINZHUYUAN: "jzy"}  # who registers each community's residents


@dataclass(frozen=True)
class ProxyExample:
    """An elder living alone in 邢家桥 网格一 whose daughter, living elsewhere, acts for her."""

    name: str = "王桂英"
    sex: str = "F"
    birth: dt.date = dt.date(1942, 3, 15)
    phone: str = "13996120318"
    address: str = "邢家桥路 8 号 1 单元 1-2"
    grid: str = "001"
    agent_name: str = "李晓红"
    agent_phone: str = "13896120529"


PROXY = ProxyExample()
