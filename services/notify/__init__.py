"""notify: every email the congress sends, rendered from templates, sent once per cause."""
