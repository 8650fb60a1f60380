"""The classes residents usually ask for, the alliance each belongs to and what its room needs.

Pure data, no Django. A class not listed here needs nothing special and goes to 文化 by default.
The names match the options of the interest survey template, so demand lines up with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassKind:
    name: str
    alliance: str  # one of the default alliances
    features: tuple[str, ...] = ()  # college.models.Feature values the room needs


_KINDS = (
    # 艺术
    ClassKind("绘画", "艺术", ("tables",)),
    ClassKind("书法", "艺术", ("tables", "quiet")),
    ClassKind("剪纸", "艺术", ("tables",)),
    ClassKind("手工编织", "艺术", ("tables",)),
    ClassKind("舞蹈", "艺术", ("mirror", "sound")),
    ClassKind("走秀", "艺术", ("mirror", "sound")),
    ClassKind("音乐", "艺术", ("sound",)),
    ClassKind("合唱", "艺术", ("sound",)),
    ClassKind("川剧", "艺术", ("sound",)),
    ClassKind("摄影", "艺术"),
    # 体育
    ClassKind("太极拳", "体育", ("open_air",)),
    ClassKind("腰鼓", "体育", ("open_air",)),
    ClassKind("非洲鼓", "体育", ("open_air",)),
    ClassKind("广场舞", "体育", ("open_air", "sound")),
    ClassKind("八段锦", "体育", ("open_air",)),
    # 科技
    ClassKind("智能手机使用", "科技", ("tables", "quiet")),
    ClassKind("短视频拍摄", "科技", ("tables",)),
    ClassKind("防诈骗知识", "科技", ("quiet",)),
    # 文化
    ClassKind("快板", "文化", ("open_air",)),
    ClassKind("象棋", "文化", ("tables", "quiet")),
    ClassKind("读书会", "文化", ("tables", "quiet")),
    ClassKind("英语口语", "文化", ("tables", "quiet")),
    # 便民服务
    ClassKind("烹饪", "便民服务", ("tables", "water")),
    ClassKind("家电维修", "便民服务", ("tables",)),
    ClassKind("养生保健", "便民服务", ("quiet",)),
)

KINDS: dict[str, ClassKind] = {k.name: k for k in _KINDS}
NAMES: tuple[str, ...] = tuple(k.name for k in _KINDS)


def kind_of(name: str) -> ClassKind:
    return KINDS.get(name.strip(), ClassKind(name.strip(), "文化"))
