from linli.core.registry import MenuEntry, ModuleSpec, Stat, register


def register_module() -> None:
    from linli.assistance import selectors

    register(
        ModuleSpec(
            label="assistance",
            title="救助监测",
            order=60,
            menu=(
                MenuEntry("监测预警", "assistance:alert_list", "view_assistance"),
                MenuEntry("逾期核查", "assistance:overdue", "view_assistance"),
                MenuEntry("监测批次", "assistance:run_list", "view_assistance"),
            ),
            stats=(Stat("待核查预警", selectors.count_open_alerts), Stat("逾期未核查", selectors.count_overdue_alerts)),
        )
    )
