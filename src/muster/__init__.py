"""Muster: planning and coordination for the assistance effort for Ukraine."""

__version__ = "0.1.0"
