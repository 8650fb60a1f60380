from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "linli.points"
    label = "points"
    verbose_name = "志愿积分"

    def ready(self) -> None:
        from linli.points import module

        module.register_module()
