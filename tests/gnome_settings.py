"""GNOME 48's break reminder settings on a machine with an older GNOME: a private GSettings
schema folder with the two schemas GNOME Shell reads (`org.gnome.desktop.break-reminders` and
its `movement` child; keys as gsettings-desktop-schemas 48 has them, written here), compiled
by the real glib-compile-schemas, read and written by the real `gsettings` through its
keyfile backend in the test's own folder. And a stand-in GNOME Shell that serves
org.gnome.Shell.ScreenTime's `State` on a private session bus.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.desktop import pid_alive, start_bus, stop_pid, wait_until
from tests.lock_services import need

WAIT = 10.0

SCHEMA_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
  <schema id="org.gnome.desktop.break-reminders" path="/org/gnome/desktop/break-reminders/">
    <key name="selected-breaks" type="as"><default>[]</default></key>
    <child schema="org.gnome.desktop.break-reminders.movement" name="movement"/>
  </schema>
  <schema id="org.gnome.desktop.break-reminders.movement"
          path="/org/gnome/desktop/break-reminders/movement/">
    <key name="interval-seconds" type="u"><default>1800</default></key>
    <key name="duration-seconds" type="u"><default>300</default></key>
  </schema>
</schemalist>
"""


def gnome_settings_env(folder: Path) -> dict[str, str]:
    """Variables that make `gsettings` use a compiled copy of the break reminder schemas and
    a keyfile under `folder` (its XDG_CONFIG_HOME)."""
    need("glib-compile-schemas", "libglib2.0-bin")
    need("gsettings", "libglib2.0-bin")
    schemas = folder / "schemas"
    schemas.mkdir(parents=True, exist_ok=True)
    (schemas / "org.gnome.desktop.break-reminders.gschema.xml").write_text(SCHEMA_XML)
    subprocess.run(["glib-compile-schemas", os.fspath(schemas)], check=True, timeout=WAIT)
    return {
        "GSETTINGS_SCHEMA_DIR": os.fspath(schemas),
        "GSETTINGS_BACKEND": "keyfile",
        "XDG_CONFIG_HOME": os.fspath(folder / "config"),
    }


def gsettings_set(env: dict[str, str], schema: str, key: str, value: str) -> None:
    subprocess.run(["gsettings", "set", schema, key, value], env=os.environ | env,
                   check=True, timeout=WAIT, capture_output=True)  # fmt: skip


def movement_breaks(env: dict[str, str], on: bool) -> None:
    value = "['movement']" if on else "@as []"
    gsettings_set(env, "org.gnome.desktop.break-reminders", "selected-breaks", value)


SCREEN_TIME = """\
import sys
from jeepney import HeaderFields, MessageType, message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import new_error, new_method_return

state = int(sys.argv[1])
conn = open_dbus_connection(bus="SESSION")
(result,) = conn.send_and_get_reply(message_bus.RequestName("org.gnome.Shell", 4)).body
if result != 1:
    sys.exit(f"could not own org.gnome.Shell: {result}")
print("ready", flush=True)
while True:
    try:
        call = conn.receive()
    except (OSError, ValueError):
        sys.exit(0)
    if call.header.message_type is not MessageType.method_call:
        continue
    fields = call.header.fields
    wanted = ("/org/gnome/Shell/ScreenTime", "org.freedesktop.DBus.Properties", "Get")
    got = tuple(fields.get(f) for f in (HeaderFields.path, HeaderFields.interface,
                                         HeaderFields.member))
    if got == wanted and call.body == ("org.gnome.Shell.ScreenTime", "State"):
        conn.send(new_method_return(call, "v", (("u", state),)))
    else:
        conn.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("no",)))
"""


@contextmanager
def screen_time(folder: Path, state: int) -> Iterator[str]:
    """A private session bus with a stand-in GNOME Shell whose ScreenTime State is `state`;
    yields the bus address."""
    need("dbus-daemon", "dbus-daemon")
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        _, address = start_bus(folder, {}, stack)
        log = folder / "shell.log"
        env = os.environ | {"DBUS_SESSION_BUS_ADDRESS": address}
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-c", SCREEN_TIME, str(state)], env=env,
                                    cwd=Path(__file__).resolve().parent.parent,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out)  # fmt: skip

        def stop() -> None:
            if pid_alive(proc.pid):
                stop_pid(proc.pid)
            proc.wait(WAIT)

        stack.callback(stop)
        wait_until(lambda: "ready" in log.read_text(), timeout=WAIT, what="the stand-in shell")
        yield address
