"""notify's use cases: dispatch a batch's messages, deliver one, retry, remind, erase."""
