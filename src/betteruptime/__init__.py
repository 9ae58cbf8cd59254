"""BetterUptime: a self-hostable website and service uptime monitor."""

__version__ = "0.1.0"
