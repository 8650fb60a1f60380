from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "linli.areas"
    label = "areas"
    verbose_name = "地区"

    def ready(self) -> None:
        from linli.areas import module

        module.register_module()
