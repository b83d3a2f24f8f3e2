"""ISO weeks are stored as the date of their Monday."""

from __future__ import annotations

import datetime as dt


def monday(day: dt.date) -> dt.date:
    """The Monday of the ISO week that contains `day`."""
    return day - dt.timedelta(days=day.weekday())


def weeks_between(first: dt.date, last: dt.date) -> int:
    """Number of weeks from the week of `first` to the week of `last`, both included."""
    return (monday(last) - monday(first)).days // 7 + 1
