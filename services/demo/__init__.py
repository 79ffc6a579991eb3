"""The demo congress simulator (python -m services.demo.simulator)."""
