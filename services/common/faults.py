"""Named crash points for the crash tests: ``CONGRESS_CRASH_AT=relay-after-publish`` kills the process there.

A real SIGKILL, not an exception: nothing gets to clean up, exactly as when the
machine loses power, which is what the delivery guarantees must survive.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if name in os.environ.get("CONGRESS_CRASH_AT", "").split(","):
        os.kill(os.getpid(), signal.SIGKILL)


_passes: dict[str, int] = {}


def crash_point_after(name: str) -> None:
    """Like ``crash_point``, but only on the N-th pass of this point (``CONGRESS_CRASH_AFTER=N``, default 1).

    So a crash test can stop a process in the middle of a long piece of work (a broadcast), not at its start.
    """
    if name not in os.environ.get("CONGRESS_CRASH_AT", "").split(","):
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(os.environ.get("CONGRESS_CRASH_AFTER", "1") or "1"):
        os.kill(os.getpid(), signal.SIGKILL)
