"""The local time zone: $TZ when it is set, else the system's (tzlocal).

TZ may name an IANA zone ("Europe/Berlin", ":Europe/Berlin"), a zone file
("/usr/share/zoneinfo/Europe/Berlin"), or hold a POSIX TZ string, as the C library reads it
("UTC0", "CET-1CEST,M3.5.0,M10.5.0/3"). Anything else is refused with a clear message (exit
status 2) rather than guessed at: every time of day postureping shows or acts on depends on it.
"""

from __future__ import annotations

import io
import os
import re
import struct
from zoneinfo import ZoneInfo

from postureping.errors import EXIT_CONFIG, UserError

TZ_HELP = (
    'set TZ to an IANA time zone like "Europe/Berlin", a POSIX TZ string like '
    '"CET-1CEST,M3.5.0,M10.5.0/3", or leave it unset to use the system\'s time zone'
)
# A POSIX TZ string starts with the standard time's name and its offset from UTC.
_POSIX = re.compile(r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?\d[ -~]*")
_MAX_POSIX = 100


def local_zone() -> ZoneInfo:
    """The zone that $TZ names, or the system's. Raises UserError (exit status 2) naming TZ
    when it holds something else, or when the system's setting cannot be read."""
    import tzlocal  # only commands that deal with times of day need it

    tz = os.environ.get("TZ", "")
    try:
        zone = tzlocal.get_localzone()
    except (LookupError, ValueError, OSError) as error:  # ZoneInfoNotFoundError: a KeyError
        if tz:
            posix = posix_zone(tz)
            if posix is not None:
                return posix
            raise UserError(f"TZ={tz!r} is not a time zone: {TZ_HELP}", EXIT_CONFIG) from None
        raise UserError(
            f"cannot tell this system's time zone ({error}): {TZ_HELP}", EXIT_CONFIG
        ) from None
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone))


def posix_zone(text: str) -> ZoneInfo | None:
    """The zone a POSIX TZ string describes, with its daylight saving rules; None if `text`
    is not one. zoneinfo reads such a string as the footer of a zone file (TZif version 2,
    RFC 8536), so it gets a file that holds nothing else."""
    if len(text) > _MAX_POSIX or not _POSIX.fullmatch(text):
        return None
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    block = struct.pack(">lBB", 0, 0, 0) + b"UTC\0"  # one local time type, never used
    data = header + block + header + block + b"\n" + text.encode("ascii") + b"\n"
    try:
        return ZoneInfo.from_file(io.BytesIO(data), key=text)
    except ValueError:  # an offset or a rule out of range, a daylight time without rules
        return None
