"""Chinese names for the demo: common surnames, and given names that sound like each generation.

Pure Python: no Django. Elders born before 1966 get the names of their time (桂英、建国),
the middle generation 丽、军, the young 欣怡、浩然 — so a list of residents reads like a real one.
"""

from __future__ import annotations

import random

# Common surnames, most frequent first, with a few that are frequent in Chongqing (谭、冉、向).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
    "郝龚邵万严覃戴莫孔向汤冉"
)

_ELDER = {
    "F": "桂英 淑珍 秀英 玉兰 桂兰 秀兰 凤英 玉珍 淑芬 素芳 翠花 桂芳 秀珍 玉梅 德芳 秀芝 素华 国珍 "
    "淑华 兰英 春兰 桂珍 志英 菊英 明珍 碧珍 素琼 玉芬 秀琼 泽惠 光秀 琼英 德英 美华",
    "M": "建国 德明 国华 志强 德福 永福 长春 国庆 建华 光明 家富 文华 德才 明德 世荣 光荣 "
    "大成 守义 仁贵 吉祥 国强 福生 永贵 树林 德胜 学文 洪 庆 勇 炳章 正清 泽民 绍华 贤明 开富",
}
_MIDDLE = {
    "F": "丽 静 敏 艳 燕 娟 霞 红梅 丽娟 晓燕 海燕 春梅 小红 秀梅 雪梅 丽华 玉洁 莉 萍 琴 晓梅 小琴 "
    "红英 利 英 芳 小燕 晓丽",
    "M": "伟 军 勇 涛 斌 强 磊 刚 洪波 小平 海涛 建军 志刚 俊 波 杰 明 超 红军 国平 小兵 建 川 "
    "晓东 明亮 德华 林 鹏",
}
_YOUNG = {
    "F": "欣怡 梓涵 雨涵 诗涵 佳怡 子涵 一诺 可馨 思琪 婷 雪 欣 悦 梦瑶 雨萱 紫涵 诗琪 佳琪 语嫣 "
    "若曦 沐晴 静怡 心怡 雨桐 思彤 安然",
    "M": "浩然 子轩 宇轩 俊杰 浩宇 一鸣 子豪 皓轩 梓睿 博文 宇航 浩 鑫 杰 宇 晨 天佑 奕辰 锦程 "
    "思远 嘉豪 俊熙 宇泽 梓航 睿 昊",
}


def surname(rng: random.Random) -> str:
    # The first surnames of the list are far more common: weight by rank.
    weights = [1 / (i + 8) for i in range(len(SURNAMES))]
    return rng.choices(SURNAMES, weights=weights)[0]


def given_name(rng: random.Random, *, sex: str, birth_year: int) -> str:
    pool = _ELDER if birth_year < 1966 else _MIDDLE if birth_year < 1991 else _YOUNG
    return rng.choice(pool[sex].split())


def full_name(rng: random.Random, *, family: str, sex: str, birth_year: int) -> str:
    return family + given_name(rng, sex=sex, birth_year=birth_year)
