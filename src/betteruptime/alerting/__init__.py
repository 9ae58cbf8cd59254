"""Alerting: notification channels (Apprise URLs) and what is sent through them."""
