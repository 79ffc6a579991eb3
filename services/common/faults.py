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
