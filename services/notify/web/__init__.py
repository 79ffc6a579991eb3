"""notify's web pages: the demo mail page."""
