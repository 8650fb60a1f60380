"""What `linli demo` prints: where to go and how to log in, in Chinese, aligned for a terminal."""

from __future__ import annotations

import unicodedata

from linli.accounts.roles import Role
from linli.demo.places import PASSWORD, PROXY, STAFF


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def banner(*, port: int = 8000) -> str:
    base = f"http://127.0.0.1:{port}"
    rule = "=" * 72
    rows: list[tuple[str, ...]] = [("用户名", "密码", "角色", "地区", "姓名")]
    rows += [(s.username, PASSWORD, Role(s.role).label, s.area_label, s.full_name) for s in STAFF]
    lines = [
        rule,
        "  邻里 演示环境",
        f"  地址：{base}/",
        "",
        f"  工作人员登录（{base}/accounts/login/）：",
        *_table(rows),
        "",
        "  以上均为演示密码，写在屏幕上，只可用于本机演示，切勿用于正式环境。",
        "",
        f"  居民登录（{base}/m/login/）：输入手机号，点“获取验证码”，验证码在本终端显示。",
        f"    居民登录：手机号 {PROXY.phone}（{PROXY.name}，邢家桥社区独居老人）验证码在本终端显示",
        f"    家属代办：手机号 {PROXY.agent_phone}（{PROXY.agent_name}，{PROXY.name}的女儿，已绑定代办）"
        "验证码在本终端显示",
        rule,
    ]
    return "\n".join(lines)
