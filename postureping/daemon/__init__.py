"""The reminder daemon: `postureping run`, its threads and its adapters around the engine.

- `app.py`: the daemon put together (notifiers, desktop sources, timer, tray, control
  channel, signals) from start to stop, and what `reload` changes.
- `daemon.py`: the engine's adapters and the `Controller` the edges talk to.
- `controller.py`: what the tray, the notification buttons and the control socket may ask.
- `checkins.py`: what a pain check-in from the tray or a button shows afterwards.
- `settings.py`: what the daemon needs of the settings, as plain values.
- `pause.py`: when a pause ends, and the pause kept across restarts.
- `timer.py`: the engine's alarm clock on apscheduler 3.
- `sources.py`: the idle monitor and the hold probes, as the engine sees them.
- `sleep_signal.py`, `lock_signal.py`, `stop_signal.py`: resume, screen lock and stop.
"""
