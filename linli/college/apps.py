from django.apps import AppConfig


class CollegeConfig(AppConfig):
    name = "linli.college"
    label = "college"
    verbose_name = "社区学院"

    def ready(self) -> None:
        from linli.college import module

        module.register_module()
