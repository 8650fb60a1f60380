from linli.core.registry import MenuEntry, ModuleSpec, register


def register_module() -> None:
    from linli.people import imports

    imports.register_imports()
    register(
        ModuleSpec(
            label="people",
            title="居民",
            order=10,
            menu=(
                MenuEntry("居民", "people:resident_list", "view_resident"),
                MenuEntry("导入居民", "people:resident_import", "import_resident"),
            ),
            imports=("residents",),
        )
    )
