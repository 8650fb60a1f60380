"""Writes of the core: audit rows and the access log. Called inside the caller's transaction."""

from __future__ import annotations

import base64
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from linli.core import protected
from linli.core.errors import CoreErrorCode, LinliError, forbidden, not_found
from linli.core.imports import ImportContext, ImportSpec, Preview, get_import, preview
from linli.core.models import AccessLog, AuditEntry, ImportBatch


def _label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    area_code: str = "",
    data: dict[str, Any] | None = None,
    on_behalf_of: Any = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=_label(target),
        target_id=str(target.pk),
        area_code=area_code,
        data=data or {},
        on_behalf_of=str(getattr(on_behalf_of, "pk", on_behalf_of) or ""),
    )


def audit_record_many(*, actor: Any, action: str, targets: list[models.Model], data: dict[str, Any] | None = None) -> None:
    """One audit row per target, written in one statement (imports)."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(actor=actor if getattr(actor, "pk", None) else None, action=action, target_type=_label(t),
                       target_id=str(t.pk), area_code=str(getattr(t, "area_id", "") or ""), data=data or {})
            for t in targets
        ],
        batch_size=1000,
    )


def access_log_record(*, actor: Any, target: models.Model, field: str, reason: str, area_code: str) -> AccessLog:
    return AccessLog.objects.create(
        actor=actor,
        target_type=_label(target),
        target_id=str(target.pk),
        target_label=str(target)[:100],
        field=field,
        reason=reason[:200],
        area_code=area_code,
    )


# --- imports: preview, then all rows or none -------------------------------------------------


def _check_import_rights(spec: ImportSpec, user: Any, area_code: str) -> None:
    if not spec.authorize(user, area_code):
        raise forbidden(f"向该地区导入{spec.title}")


def import_preview(*, by: Any, spec_name: str, area_code: str, filename: str, data: bytes) -> tuple[ImportBatch, Preview]:
    """Check the file and keep it (encrypted) for the commit; writes no domain data."""
    spec = get_import(spec_name)
    _check_import_rights(spec, by, area_code)
    result = preview(spec, filename, data, ImportContext(user=by, area_code=area_code))
    batch = ImportBatch.objects.create(
        spec=spec.name,
        created_by=by,
        area_code=area_code,
        filename=filename[:200],
        content=protected.encrypt(base64.b64encode(data).decode()),
        row_count=len(result.rows),
        error_count=len(result.errors),
    )
    audit_record(actor=by, action="import.preview", target=batch, area_code=area_code,
                 data={"rows": len(result.rows), "errors": len(result.errors)})
    return batch, result


def import_batch_preview(*, by: Any, batch: ImportBatch) -> Preview:
    """Re-read a kept batch (to show its preview again)."""
    spec = get_import(batch.spec)
    data = base64.b64decode(protected.decrypt(batch.content))
    return preview(spec, batch.filename, data, ImportContext(user=by, area_code=batch.area_code))


@transaction.atomic
def import_commit(*, by: Any, batch_id: Any) -> int:
    """Write every row or none: rows are checked again against the database as it is now."""
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, created_by=by).first()
    if batch is None:
        raise not_found("导入批次")
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise LinliError(CoreErrorCode.IMPORT_STATE, f"这批数据{batch.get_status_display()}，不能再次导入")
    spec = get_import(batch.spec)
    _check_import_rights(spec, by, batch.area_code)
    result = import_batch_preview(by=by, batch=batch)
    if not result.ok:
        raise LinliError(
            CoreErrorCode.IMPORT_ROWS,
            f"有 {len(result.errors)} 处错误，未导入任何数据；请修改后重新上传",
            {"errors": [e.__dict__ for e in result.errors[:200]]},
        )
    count = spec.commit_rows(ImportContext(user=by, area_code=batch.area_code), result.rows)
    batch.status = ImportBatch.Status.COMMITTED
    batch.committed_at = timezone.now()
    batch.content = ""  # the data now lives in its tables; keep no second copy
    batch.save(update_fields=["status", "committed_at", "content"])
    audit_record(actor=by, action="import.commit", target=batch, area_code=batch.area_code, data={"rows": count})
    return count
