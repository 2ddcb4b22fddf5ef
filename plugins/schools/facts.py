"""Bookings as facts of the roll-up: what became of each booked class, on its visit's day.

The visits and pupils that came are counted from the group activity the attendance creates (the
core's activities); a booking adds what no activity records: the classes that were booked, cancelled
or did not come. A booking counts on its visit's day, with its status, so a cancellation moves it from
one counter to the other in the writing transaction, and ``tremplin counters rebuild`` finds it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AUDIENCE = "schools"
SOURCE = "schools.bookings"
#: What the roll-up reads of a booking, the day first.
COLUMNS = (
    "day",
    "centre_id",
    "status",
    "language",
    "workshop_code",
    "school_year",
    "education_type",
    "at_school",
    "pupils",
)
#: Statuses a booking ends in; the others are still open (requested, confirmed, waitlisted, reminded).
ENDED = ("done", "no_show", "cancelled")


def booking_fact(get: Callable[[str], Any]) -> dict[str, Any] | None:
    """The fact of one booking: its status and class on its visit's day (``None`` without a day)."""
    day = get("day")
    if day is None:
        return None
    return {
        "day": day,
        "centre_id": get("centre_id"),
        "audience": AUDIENCE,
        "language": get("language") or "unknown",
        "status": get("status"),
        "workshop": get("workshop_code") or None,
        # The names of the visit form's attributes, so the audience's dimensions read both alike.
        "attributes": {
            "year": get("school_year"),
            "education_type": get("education_type"),
            "place": "at_school" if get("at_school") else "at_centre",
        },
        "measures": {"rows": 1, "pupils": get("pupils") or 0},
    }
