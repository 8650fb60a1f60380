"""Ready-made questionnaires a worker starts from. Pure data, no Django.

``college_interest`` is the seeds' interest survey: 康美街道 asked residents 17 questions —
whether they support interest classes, which classes they want, what they expect of them, how
many talented people live in the community, what hobbies people have. Its ``wanted_classes``
options are the college's catalog names, so the demand it collects lines up with the classes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionSpec:
    kind: str  # surveys.models.QuestionKind value
    text: str
    options: tuple[str, ...] = ()
    required: bool = True
    help_text: str = ""
    allow_other: bool = False
    max_choices: int | None = None
    scale: int = 5
    role: str = ""  # surveys.models.QuestionRole value


@dataclass(frozen=True)
class SurveyTemplate:
    key: str
    title: str
    purpose: str  # surveys.models.SurveyPurpose value
    description: str  # shown when choosing a template
    intro: str = ""
    questions: tuple[QuestionSpec, ...] = ()


# The classes residents ask for; the college's catalog (linli/college/catalog.py) has the same names.
WANTED_CLASSES: tuple[str, ...] = (
    "绘画", "书法", "剪纸", "手工编织", "舞蹈", "走秀", "音乐", "合唱", "川剧", "摄影",
    "太极拳", "腰鼓", "非洲鼓", "广场舞", "八段锦",
    "智能手机使用", "短视频拍摄", "防诈骗知识",
    "快板", "象棋", "读书会", "英语口语",
    "烹饪", "家电维修", "养生保健",
)

_YES_MAYBE_NO = ("愿意", "看情况", "不愿意")

COLLEGE_INTEREST = SurveyTemplate(
    key="college_interest",
    title="社区兴趣课堂需求调查",
    purpose="college_interest",
    description="社区学院兴趣调查（17 题）：想学什么、什么时间方便、能教什么。答卷自动汇成兴趣订单。",
    intro=(
        "社区准备开办兴趣班，想听听您的想法：想学什么、什么时间方便、有什么特长愿意教给邻居。"
        "大约需要 3 分钟，谢谢您的支持！"
    ),
    questions=(
        QuestionSpec("single", "您支持社区开办兴趣班吗？", ("非常支持", "支持", "无所谓", "不支持")),
        QuestionSpec(
            "multiple", "您平时有哪些兴趣爱好？",
            ("唱歌", "跳舞", "书画", "手工", "运动健身", "下棋打牌", "读书看报", "摄影", "戏曲曲艺", "烹饪美食", "养花种草"),
            allow_other=True,
        ),
        QuestionSpec(
            "multiple", "您想学哪些兴趣课程？", WANTED_CLASSES, allow_other=True, role="wanted_classes",
            help_text="可以多选；没有您想学的，请写在“其他”里",
        ),
        QuestionSpec("timeslots", "哪些时间方便上课？", role="preferred_slots", help_text="点选所有方便的时间段"),
        QuestionSpec("single", "每周上几次课合适？", ("1 次", "2 次", "3 次及以上")),
        QuestionSpec("single", "每次上课多长时间合适？", ("1 小时", "1 个半小时", "2 小时")),
        QuestionSpec("single", "您希望在哪里上课？", ("社区活动室", "小区坝坝、广场", "附近学校或单位", "都可以")),
        QuestionSpec("single", "愿意交少量材料费吗？", ("愿意", "看情况", "不愿意"),
                     help_text="例如绘画的颜料、编织的毛线，大部分课程免费"),
        QuestionSpec("text", "您对课程有什么期待？", required=False, help_text="例如想学到什么、希望老师怎么教"),
        QuestionSpec("talent", "您有什么特长，愿意教给邻居吗？", required=False,
                     help_text="写下您能教的，例如：剪纸、太极拳；社区会联系您"),
        QuestionSpec("text", "推荐身边的文艺能人", required=False,
                     help_text="写下他（她）的姓名和特长，例如：王阿姨，川剧唱得好"),
        QuestionSpec("single", "您愿意担任兴趣班的班长或志愿者吗？", ("愿意当班长", "愿意当志愿者", "暂时不愿意")),
        QuestionSpec("single", "学成以后，愿意参加社区的展演、画展吗？", _YES_MAYBE_NO),
        QuestionSpec("single", "您以前参加过社区活动吗？", ("经常参加", "偶尔参加", "没有参加过")),
        QuestionSpec(
            "multiple", "您一般从哪里知道社区的活动？",
            ("微信群", "公众号", "社区公告栏", "网格员上门", "邻居告诉我"), allow_other=True,
        ),
        QuestionSpec(
            "multiple", "参加兴趣班，您最担心什么？",
            ("没有时间", "怕学不会", "离家太远", "费用", "身体原因", "没有担心"), max_choices=3,
            help_text="最多选 3 项",
        ),
        QuestionSpec("rating", "您对社区现在的文化活动满意吗？", scale=5, help_text="1 分最不满意，5 分最满意"),
    ),
)

GENERAL = SurveyTemplate(
    key="general",
    title="",
    purpose="general",
    description="空白问卷：自己添加题目",
)

TEMPLATES: dict[str, SurveyTemplate] = {t.key: t for t in (GENERAL, COLLEGE_INTEREST)}
