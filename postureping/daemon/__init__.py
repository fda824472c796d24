"""The reminder daemon: `postureping run`, its threads and its adapters around the engine.

- `app.py`: the daemon put together (settings check, instance lock, notifiers, desktop
  sources, timer, tray, control channel, signals) from start to stop.
- `reload.py`: what `postureping reload` changes in the running daemon.
- `daemon.py`: the engine's adapters and the `Controller` the edges talk to.
- `checkins.py`: what a pain check-in from the tray or a button shows afterwards.
- `settings.py`: what the daemon needs of the settings, as plain values.
- `timer.py`: the engine's alarm clock on apscheduler 3.
- `sources.py`: the idle monitor and the hold probes, as the engine sees them.
- `sleep_signal.py`, `lock_signal.py`, `stop_signal.py`: resume, screen lock and stop.
"""
