"""The reminder engine: every decision about reminders, pure and single-threaded.

- engine.py: `Engine`, the state machine, and the rules it keeps (its docstring).
- inputs.py: what it is told (a tick, a look at the desktop, an answer, a pause...).
- actions.py: what it asks for (show, withdraw, record, save the pause, log).
- config.py: `EngineConfig`, the settings it works with.
- clockwork.py: each routine's next due time, over postureping.schedule and the demo timescale.
- bubbles.py: the notifications on screen, their prompts and timers.

The daemon (postureping.daemon) feeds it from apscheduler, the desktop's idle and
do-not-disturb sources, the control channel, the tray and the notification buttons, and
carries out its actions; tests/engine_days.py drives it over simulated days.
"""

from postureping.engine.config import EngineConfig
from postureping.engine.engine import Engine

__all__ = ["Engine", "EngineConfig"]
