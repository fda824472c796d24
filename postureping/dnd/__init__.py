"""Hold probes: should reminders wait because the user asked not to be disturbed, or is busy
with something full-screen (a video call, a presentation, a game)?

`base.py` has the HoldProbe contract, `registry.py` picks the probes that work on this desktop
and asks them; each desktop's probe has a module of its own and is imported only when tried.
"""
