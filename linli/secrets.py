"""Local secrets for a machine without configured ones.

The secret key and the field-encryption key come from the environment in production.
On a developer's or demo machine they are generated once into ``var/secrets.json``
(which git ignores) so that encrypted data stays readable across restarts.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))
SECRETS_FILE = VAR_DIR / "secrets.json"


def new_field_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def ensure_local_secrets() -> Path:
    """Create var/secrets.json with fresh keys unless it exists; never overwrite."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not SECRETS_FILE.exists():
        data = {"LINLI_SECRET_KEY": secrets.token_urlsafe(50), "LINLI_FIELD_KEY": new_field_key()}
        fd = os.open(SECRETS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
    return SECRETS_FILE


def read_local_secrets() -> dict[str, str]:
    if not SECRETS_FILE.exists():
        return {}
    return json.loads(SECRETS_FILE.read_text())


if __name__ == "__main__":
    print(f"密钥文件：{ensure_local_secrets()}")
