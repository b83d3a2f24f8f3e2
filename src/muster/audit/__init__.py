"""Append-only change log: who changed what, when, before and after."""
