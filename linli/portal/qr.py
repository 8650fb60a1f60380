"""QR codes drawn on the server as inline SVG: no script, a few kilobytes, prints sharply."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe

CHECKIN_PREFIX = "LINLI-R:"


def checkin_payload(code: str) -> str:
    return CHECKIN_PREFIX + code


def svg(text: str, *, box_size: int = 10) -> SafeString:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    markup = image.to_string(encoding="unicode")
    # Drop the XML declaration: the SVG is inlined into HTML. Its content is our own encoded text.
    return mark_safe(markup[markup.index("<svg") :])
