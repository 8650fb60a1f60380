"""The ``linli`` command: Django's management commands with Linli's settings preset."""

from __future__ import annotations

import os
import sys

# Commands that may create local keys on first run (a demo or a developer machine).
_CREATES_LOCAL_SECRETS = {"demo", "keys"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    if len(argv) > 1 and argv[1] in _CREATES_LOCAL_SECRETS:
        from linli.secrets import ensure_local_secrets

        ensure_local_secrets()
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
