from linli.core.registry import MenuEntry, ModuleSpec, register


def register_module() -> None:
    register(
        ModuleSpec(label="core", title="记录", order=95,
                   menu=(MenuEntry("查看记录", "core:access_log", "view_audit"),))
    )
