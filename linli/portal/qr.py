"""QR codes drawn on the server as inline SVG: no script, a few kilobytes, prints sharply."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

CHECKIN_PREFIX = "LINLI-R:"  # what cards printed before issue 6 carry; the scanners still read it
CARD_PATH = "/m/college/r/{code}/"


def checkin_payload(code: str) -> str:
    """The old payload (``LINLI-R:<code>``): only a Linli scanner understood it."""
    return CHECKIN_PREFIX + code


def checkin_url(request: HttpRequest, code: str) -> str:
    """What the card carries now: an address on this site, so a club leader can scan the card with
    WeChat's own scanner and land on the check-in page (a stranger learns only that it is a card)."""
    return request.build_absolute_uri(CARD_PATH.format(code=code))


def svg(text: str, *, box_size: int = 10) -> SafeString:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    markup = image.to_string(encoding="unicode")
    # Drop the XML declaration: the SVG is inlined into HTML. Its content is our own encoded text.
    return mark_safe(markup[markup.index("<svg") :])
