from django.apps import AppConfig
from django.core import checks


class AccountsConfig(AppConfig):
    name = "linli.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from linli.accounts import module

        checks.register(_check_sms_backend)
        module.register_module()


def _check_sms_backend(app_configs, **kwargs):
    from django.conf import settings

    from linli.accounts import sms

    if settings.LINLI_SMS_BACKEND not in sms.backend_names():
        return [
            checks.Error(
                f"LINLI_SMS_BACKEND={settings.LINLI_SMS_BACKEND!r} 未注册；可选：{', '.join(sms.backend_names())}",
                id="linli.E001",
            )
        ]
    return []
