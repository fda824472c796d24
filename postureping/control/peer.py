"""Who is at the other end of a Unix socket: the one OS-specific part of the control channel.

Both ends ask: the daemon, to refuse a client that is not its user; the client, to refuse a
server that is not its user (one that someone else started where the daemon should be).
Linux tells through SO_PEERCRED, macOS and FreeBSD through LOCAL_PEERCRED. Elsewhere (the
other BSDs, whose calls differ and are untested here) the answer is None, and the private
runtime folder (folder.py) is the only guard.
"""

from __future__ import annotations

import socket
import struct
import sys

# <sys/un.h> on macOS and FreeBSD: getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED) fills
# struct xucred {u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]; ...}
_SOL_LOCAL, _LOCAL_PEERCRED, _XUCRED_SIZE = 0, 1, 76


def peer_uid(connection: socket.socket) -> int | None:
    """The user id of the process at the other end (for a client: of the process that
    listens), or None where the OS cannot tell."""
    if sys.platform.startswith("linux"):
        creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return int(uid)
    if sys.platform == "darwin" or sys.platform.startswith("freebsd"):
        creds = connection.getsockopt(_SOL_LOCAL, _LOCAL_PEERCRED, _XUCRED_SIZE)
        _version, uid = struct.unpack_from("2I", creds)
        return int(uid)
    return None
