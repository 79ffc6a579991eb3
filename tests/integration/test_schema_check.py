"""A database made by an older version is refused at start, naming what it lacks (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from services.common.db import SchemaOutOfDate, create_tables, make_engine


def version(extra_column: bool) -> MetaData:
    meta = MetaData()
    columns = [Column("id", Integer, primary_key=True), Column("name", String(40))]
    if extra_column:
        columns.append(Column("badge_name", String(80), nullable=True))
    Table("delegates_v", meta, *columns)
    return meta


async def test_older_schema_is_refused_with_the_missing_columns(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await create_tables(engine, version(extra_column=False))
        await create_tables(engine, version(extra_column=False))  # the same version starts again
        with pytest.raises(SchemaOutOfDate, match=r"delegates_v: badge_name") as caught:
            await create_tables(engine, version(extra_column=True))
        assert "congress demo --fresh" in str(caught.value)
    finally:
        await engine.dispose()
