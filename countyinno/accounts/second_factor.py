"""Second factor on django-otp: a TOTP device (an authenticator app) and ten single-use recovery codes.

- A code is accepted once: TOTPDevice keeps the last accepted time step (`last_t`) and refuses it and
  every earlier one; a recovery code is deleted when used. Devices are locked (`select_for_update`)
  while a code is checked, so two requests with one code cannot both pass.
- Wrong codes count toward the lock-out of (user name, address) like wrong passwords (accounts.lockout).
- ADMIN_TOTP_REQUIRED: who must enrol is a predicate (`accounts.second_factor_required`).
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def has_second_factor(user) -> bool:
    from countyinno.core.security import has_second_factor as _has

    return user is not None and _has(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def required(user) -> bool:
    """Must this account enrol before using the platform (ADMIN_TOTP_REQUIRED and the predicate)?"""
    from countyinno.core.permissions import predicate  # by name: models import this module (legacy keys)

    return bool(getattr(settings, "ADMIN_TOTP_REQUIRED", False)) and predicate("accounts.second_factor_required")(user)


def new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))


def normalise(code: str) -> str:
    """What the user typed, without spaces and hyphens (recovery codes are shown as xxxxx-xxxxx)."""
    return "".join(str(code or "").split()).replace("-", "").lower()


def shown(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def verify(user, code: str):
    """The device that accepts `code` (a 6-digit TOTP code or a recovery code), consuming it; else None."""
    from countyinno.core.security import verify_second_factor

    return verify_second_factor(user, code)


def method_of(device) -> str:
    return "recovery" if isinstance(device, StaticDevice) else "totp"


# ------------------------------------------------------------------ enrolment pieces (called by services)
def key_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (CSP allows data: images; nothing leaves the server)."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False,
                                                  svgns=True, title="CountyInno TOTP")
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def legacy_key_hex(secret: str) -> str | None:
    """A pyotp base32 secret as the hex key django-otp stores; None if it is not base32."""
    cleaned = "".join(str(secret or "").split()).upper()
    if not cleaned:
        return None
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (ValueError, base64.binascii.Error):
        return None
    return raw.hex() if 0 < len(raw) <= 40 else None
