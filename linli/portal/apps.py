from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "linli.portal"
    label = "portal"
    verbose_name = "居民手机页面"
