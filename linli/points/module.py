from linli.core.registry import MenuEntry, ModuleSpec, Stat, register


def register_module() -> None:
    from linli.points import selectors

    register(
        ModuleSpec(
            label="points",
            title="志愿积分",
            order=40,
            menu=(
                MenuEntry("积分账户", "points:account_list", "view_points"),
                MenuEntry("积分规则", "points:rule_list", "view_points"),
                MenuEntry("兑换礼品", "points:reward_list", "view_points"),
                MenuEntry("积分兑换", "points:redemption_list", "view_points"),
            ),
            stats=(
                Stat("待领取的兑换", selectors.count_pending_redemptions),
                Stat("可兑换礼品", selectors.count_rewards),
            ),
        )
    )
