"""postureping: exercise and posture reminders for people who sit at a computer all day."""

__version__ = "0.1.0"
