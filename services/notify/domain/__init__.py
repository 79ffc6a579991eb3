"""notify's pure rules: which event causes which message, to whom, once per cause; no I/O."""
