"""Who may do what in the schools plugin, in one place.

Capability -> roles. The roles hook (being moved into plugins) will let this plugin declare the
``schools_coordinator`` role itself; until then the role is the core's, and only this table names it.
"""

from __future__ import annotations

CAPABILITIES: dict[str, tuple[str, ...]] = {
    # The calendar, the bookings and their history, the export, the outbox failures.
    "schools.bookings": ("admin", "programme_lead", "schools_coordinator"),
    # The offer: workshops, slots, school holidays.
    "schools.offer": ("admin", "schools_coordinator"),
}


def roles(capability: str) -> tuple[str, ...]:
    return CAPABILITIES[capability]
