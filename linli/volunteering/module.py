from linli.core.registry import MenuEntry, ModuleSpec, Stat, register


def register_module() -> None:
    from linli.volunteering import selectors

    register(
        ModuleSpec(
            label="volunteering",
            title="志愿服务",
            order=40,
            menu=(
                MenuEntry("志愿活动", "volunteering:activity_list", "view_volunteering"),
                MenuEntry("志愿者", "volunteering:volunteer_list", "view_volunteering"),
                MenuEntry("服务队", "volunteering:team_list", "view_volunteering"),
                MenuEntry("服务记录", "volunteering:record_list", "view_volunteering"),
                MenuEntry("服务证明", "volunteering:certificate_list", "view_volunteering"),
                MenuEntry("光荣榜", "volunteering:honor_roll", "view_volunteering"),
                MenuEntry("典型选树", "volunteering:nomination_list", "view_volunteering"),
            ),
            stats=(
                Stat("志愿者", selectors.count_volunteers),
                Stat("招募中的志愿活动", selectors.count_open_activities),
            ),
        )
    )
