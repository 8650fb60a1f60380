from linli.core.registry import Chart, MenuEntry, ModuleSpec, Stat, register


def register_module() -> None:
    from linli.college.selectors import stats
    from linli.college.services import orders
    from linli.surveys import hooks
    from linli.surveys.models import SurveyPurpose

    hooks.on_response(SurveyPurpose.COLLEGE_INTEREST, orders.orders_refresh_for_response)
    register(
        ModuleSpec(
            label="college",
            title="社区学院",
            order=30,
            menu=(
                MenuEntry("兴趣订单", "college:order_list", "view_college"),
                MenuEntry("社团", "college:club_list", "view_college"),
                MenuEntry("师资库", "college:teacher_list", "view_college"),
                MenuEntry("场地", "college:venue_list", "view_college"),
                MenuEntry("课程", "college:course_list", "view_college"),
                MenuEntry("课表", "college:timetable", "view_college"),
            ),
            stats=(
                Stat("待开班订单", stats.count_orders_waiting),
                Stat("开设中的课程", stats.count_courses_running),
                Stat("社团", stats.count_clubs),
            ),
            charts=(Chart("居民想学的课程（人数）", "bar", stats.demand_by_subject),),
        )
    )
