"""Alembic's entry for the registration service's revisions; the configuration is services/common/migrations.py."""

from services.common.migrations import run_environment

run_environment()
