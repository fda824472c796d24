"""Who is at the other end of a Unix socket: the one OS-specific part of the control channel."""

from __future__ import annotations

import socket
import struct
import sys


def peer_uid(connection: socket.socket) -> int | None:
    """The user id of the process at the other end, or None where the OS cannot tell
    (the socket's private folder is then the only guard)."""
    if sys.platform.startswith("linux"):
        creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", creds)
        return int(uid)
    if sys.platform == "darwin":
        sol_local, local_peercred = (
            0,
            1,
        )  # <sys/un.h>: struct xucred {u_int version; uid_t uid; ...}
        creds = connection.getsockopt(sol_local, local_peercred, 76)
        _version, uid = struct.unpack_from("2I", creds)
        return int(uid)
    return None
