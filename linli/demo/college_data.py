"""The community college of the two pilots, as the seeds tell it. Constants only.

邢家桥社区: eleven classes (太极拳、快板、腰鼓、象棋 …) in three real places — a street-front shop
of some 30 m² for painting, chess and knitting; the office the market regulator left, for dance,
catwalk and music; a bare patch of the estate's yard for clapper talk and waist drums.
金竹苑社区: five alliances and thirty-four clubs, and a task force from the street's deputy party
secretary down to every club leader. People named in the seeds keep their names and roles; the
others are invented and marked as examples where they stand for a real office holder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

TERM = "2026年秋季"
TERM_STARTS = dt.date(2026, 9, 7)
TERM_ENDS = dt.date(2027, 1, 15)
SURVEY_OPENS = dt.date(2026, 6, 1)
SURVEY_CLOSES = dt.date(2026, 12, 31)


@dataclass(frozen=True)
class VenueSpec:
    key: str
    name: str
    address: str
    capacity: int
    floor_area: str
    features: tuple[str, ...]
    windows: tuple[tuple[int, str, str], ...]  # weekday, from, to
    owner_kind: str = "community"
    owner_name: str = ""
    shared: bool = False


def _every_day(start: str, end: str, days: range = range(1, 8)) -> tuple[tuple[int, str, str], ...]:
    return tuple((d, start, end) for d in days)


XJQ_VENUES = (
    VenueSpec("shop", "街边门市（画室）", "人和老街 18 号", 15, "32", ("tables", "water", "quiet"),
              _every_day("08:30", "17:30")),
    VenueSpec("office", "原工商所办公场地", "邢家桥路 12 号二楼", 30, "120", ("mirror", "sound", "tables"),
              _every_day("09:00", "21:00", range(1, 6)) + _every_day("09:00", "17:00", range(6, 8)),
              owner_kind="street", owner_name=""),
    VenueSpec("yard", "小区坝坝空地", "邢家桥小区 5 栋旁", 60, "400", ("open_air",),
              _every_day("07:00", "11:00") + _every_day("15:00", "20:30")),
)

JZY_VENUES = (
    VenueSpec("square", "金竹苑社区广场", "金竹苑小区中心广场", 80, "600", ("open_air", "sound"),
              _every_day("06:30", "21:30")),
    VenueSpec("station", "养老服务驿站活动室", "金竹苑公租房 3 栋一楼", 25, "80", ("tables", "quiet", "water"),
              _every_day("08:30", "17:30")),
    VenueSpec("hall", "党群服务中心多功能厅", "金竹苑公租房 12 栋一楼", 40, "150", ("mirror", "sound", "tables"),
              _every_day("09:00", "21:00")),
)


@dataclass(frozen=True)
class TeacherSpec:
    name: str
    kind: str  # expert / local
    skills: tuple[str, ...]
    bio: str
    phone: str = ""
    on_street: bool = False  # registered with the street, teaches in several communities


XJQ_TEACHERS = (
    TeacherSpec("冯小玲", "local", ("绘画",), "社区画室老师，带学员临摹油画《浪漫的海滩》。", "13983120101"),
    TeacherSpec("邱建国", "expert", ("太极拳",), "国家一级太极拳教练（示例），街道特聘专家老师。", "13983120102",
                on_street=True),
    TeacherSpec("何开碧", "local", ("腰鼓", "竹节舞", "太极拳"), "自编自导竹节舞，曾带舞蹈队赴北京参赛获奖。",
                "13983120103"),
    TeacherSpec("张丽玲", "local", ("舞蹈",), "何开碧的女儿，创办“起舞榕树下”社团教授舞蹈。", "13983120104"),
    TeacherSpec("彭应贵", "local", ("川剧", "音乐"), "16 岁考入重庆市川剧院戏曲训练班，退休后开班普及川剧。",
                "13983120105"),
    TeacherSpec("范平", "expert", ("剪纸", "绘画"), "17 年绘就 3000 余幅唐仕女图，作品曾在北京奥运会展出。",
                "13983120106", on_street=True),
    TeacherSpec("钟志强", "local", ("快板",), "退休文艺骨干（示例）。", "13983120107"),
    TeacherSpec("刘德贵", "local", ("象棋",), "区象棋协会会员（示例）。", "13983120108"),
    TeacherSpec("黄秀英", "local", ("手工编织",), "编织手艺四十年（示例）。", "13983120109"),
    TeacherSpec("罗晓燕", "local", ("走秀",), "模特队领队（示例）。", "13983120110"),
    TeacherSpec("陈永红", "local", ("合唱",), "退休音乐教师（示例）。", "13983120111"),
)

JZY_TEACHERS = (
    TeacherSpec("刘娟君", "local", ("舞蹈", "广场舞"), "23 岁的舞蹈老师，每周晚上来社区广场教大家跳舞。", "13983120201"),
)


@dataclass(frozen=True)
class ClassSpec:
    subject: str
    demand: int  # residents who ask for it in the survey
    venue: str  # VenueSpec.key
    teacher: str
    slots: tuple[str, ...]  # the times its askers prefer
    capacity: int
    leader: str = ""  # a named club leader from the seeds


XJQ_CLASSES = (
    ClassSpec("太极拳", 18, "yard", "邱建国", ("1-am", "3-am", "5-am"), 30),
    ClassSpec("快板", 10, "yard", "钟志强", ("2-pm", "4-pm"), 20),
    ClassSpec("腰鼓", 13, "yard", "何开碧", ("2-am", "4-am", "6-am"), 25),
    ClassSpec("象棋", 10, "shop", "刘德贵", ("1-pm", "3-pm", "5-pm"), 12),
    ClassSpec("绘画", 14, "shop", "冯小玲", ("2-am", "4-am"), 12),
    ClassSpec("手工编织", 9, "shop", "黄秀英", ("3-pm", "5-pm"), 12),
    ClassSpec("舞蹈", 16, "office", "张丽玲", ("1-eve", "3-eve", "5-eve"), 25),
    ClassSpec("走秀", 9, "office", "罗晓燕", ("2-eve", "4-eve"), 20),
    ClassSpec("音乐", 11, "office", "彭应贵", ("2-pm", "6-pm"), 20),
    ClassSpec("合唱", 15, "office", "陈永红", ("3-am", "6-am"), 30, leader="孟吉伦"),
    ClassSpec("川剧", 8, "office", "彭应贵", ("4-pm", "7-pm"), 20),
)

# Asked for, but not (yet) by enough people: the orders a worker watches grow.
XJQ_WISHES_BELOW = (("书法", 6, ("2-am",)), ("智能手机使用", 5, ("3-pm",)), ("摄影", 3, ("6-am",)))

# What two residents offer to teach in their answers: they arrive in the teacher pool as invitations.
XJQ_TALENTS = ("葫芦丝", "书法、国画")

# Residents named in the seeds: planned residents of 邢家桥 of their sex and age carry their names,
# so the story can be followed on screen: name, sex, the classes they attend.
XJQ_NAMED = (
    ("尹必芝", "F", ("绘画", "音乐", "手工编织")),  # 73, and her sister 71: classmates in three classes
    ("尹必珍", "F", ("绘画", "音乐", "手工编织")),
    ("孟吉伦", "M", ("合唱",)),  # leader of the choir class
)

TASK_FORCE = {
    "500112009011": (("commander", "周建平", "人和街道党工委副书记（示例）"), ("deputy", "谢兰", "邢家桥社区党委书记")),
    "500112022006": (("commander", "吴志勇", "康美街道党工委副书记（示例）"), ("deputy", "何静", "金竹苑社区党委书记（示例）"),
                     ("deputy", "杨鑫", "金竹苑社区党委副书记")),
}

# 金竹苑's 34 clubs in its 5 alliances. 巧心思手工, 启迪智慧, 碗碗茶闲聊, 非洲鼓 and 剪纸 are
# named in the seeds; the rest are the kinds of clubs such a community has.
JZY_CLUBS: dict[str, tuple[str, ...]] = {
    "艺术": ("巧心思手工", "剪纸", "起舞榕树下", "竹节舞", "网红舞蹈", "民乐团", "合唱团", "书画院", "摄影社",
             "川剧票友会"),
    "体育": ("非洲鼓", "太极拳", "腰鼓队", "八段锦", "乒乓球", "门球队", "健步走", "广场舞"),
    "科技": ("启迪智慧", "智能手机课堂", "短视频工作室", "反诈宣讲团", "青少年编程"),
    "文化": ("碗碗茶闲聊", "读书会", "象棋社", "英语角", "国学诵读", "川渝方言故事会"),
    "便民服务": ("家电义修", "爱心理发", "巧手缝补", "养生保健", "邻里帮帮团"),
}
