"""A form is acted on once, however often it is sent (double clicks, a resent POST).

Each rendered form carries a signed one-time token; the first POST that uses it records it in
the same transaction as its write, so a second POST with that token finds it and writes nothing.
A POST refused with a form error (status 4xx) rolls back, so the corrected form can be sent again.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import wraps

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from linli.core.models import SubmitToken

FIELD = "submit_token"
_SALT = "linli.submit-once"
MAX_AGE = 24 * 3600


def new_token(request: HttpRequest) -> str:
    return signing.dumps([request.user.pk or 0, secrets.token_urlsafe(12)], salt=_SALT)


def _valid(request: HttpRequest, token: str) -> bool:
    try:
        user_pk, _nonce = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return user_pk == (request.user.pk or 0)


def submit_once(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        token = request.POST.get(FIELD, "")
        if not _valid(request, token):
            messages.error(request, "页面已过期，请重新填写后提交")
            return redirect(request.get_full_path())
        digest = hashlib.sha256(token.encode()).hexdigest()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    SubmitToken.objects.create(digest=digest)
            except IntegrityError:
                return _already_sent(request, digest)
            response = view(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            elif response.status_code in (301, 302, 303):
                SubmitToken.objects.filter(digest=digest).update(result_url=response["Location"][:300])
        return response

    return wrapper


def _already_sent(request: HttpRequest, digest: str) -> HttpResponse:
    first = SubmitToken.objects.filter(digest=digest).first()
    messages.warning(request, "这张表单已经提交过了，没有重复保存")
    return redirect(first.result_url if first and first.result_url else request.get_full_path())
