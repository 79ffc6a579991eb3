"""The badges use cases: one function per thing a person or an event asks for.

Each opens (or is given) one unit of work, loads through the store port, lets the domain decide, saves and
stages the events. No SQL, no HTTP here.
"""


class CommandRefused(Exception):
    """The command is not allowed in the current state (the message says why, for the page)."""
