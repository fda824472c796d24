"""Notification backends and the service that delivers reminders through them."""
