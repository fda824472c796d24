"""Starting postureping at login: `postureping autostart enable|disable|status`.

- `entries.py` is pure: the content of each kind of autostart file (XDG desktop entry, systemd
  user unit, macOS LaunchAgent, Windows Startup script) as a function of the command line that
  starts the daemon, and the way back from a file to that command line.
- `installers.py` is the edge: where each file goes on this machine, atomic writes, removal,
  `systemctl --user` when a user manager answers, and what `status` reports.
"""
