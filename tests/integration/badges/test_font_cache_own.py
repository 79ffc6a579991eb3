"""A renderer given its own cut-font cache never touches the default one, which every badges process on the machine
shares and prunes (``cjk._prune``): in this process (``PdfRenderer``, ``InProcessRenderer``), in the render pool's
workers (``PoolRenderer``), and through the service's setting (``BADGES_FONT_CACHE``)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from services.badges.adapters import cjk
from services.badges.adapters.pdf import BadgeContent, PdfRenderer
from services.badges.adapters.pool import InProcessRenderer, PoolRenderer
from services.badges.adapters.weasy import default_font_cache
from services.badges.app import build
from services.badges.config import BadgesSettings
from tests.integration.badges.test_legacy_text_documents import HEADER

YAMADA = BadgeContent("d-1", "icsei-2027", 1, "さくら", "山田", "", "山田 さくら", "JP", "ja", ("delegate",), (), "qr")
LATE = BadgeContent("d-2", "icsei-2027", 1, "龘", "山田", "", "山田 龘", "JP", "ja", ("delegate",), (), "qr")
"""A name with an ideograph beyond the cut base set: a late cut."""


def snapshot(directory: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in directory.iterdir()}


@pytest.fixture
def machine_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default cache, moved under this test's directory (this process's and the spawned workers' temp dir),
    holding more old cuts of every CJK family and style than a prune keeps: another run's."""
    machine_tmp = tmp_path / "machine-tmp"
    machine_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(machine_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(machine_tmp))
    cache = default_font_cache()
    assert cache.parent == machine_tmp
    cache.mkdir()
    old = time.time() - cjk.KEEP_SECONDS * 2
    for _lang, family in cjk.CUT_FAMILIES:
        for style in ("Regular", "Bold"):
            for n in range(cjk.KEEP_CUTS + 2):
                cut = cache / f"{family.replace(' ', '-')}-Names-{style}-1-another-run-{n}.otf"
                cut.write_bytes(b"font")
                os.utime(cut, (old - n, old - n))
    return cache


async def test_renderers_given_their_own_cache_never_touch_the_default_one(machine_cache: Path, tmp_path: Path) -> None:
    before = snapshot(machine_cache)
    own = tmp_path / "own"

    direct = PdfRenderer(HEADER, extra_chars="山田", font_cache=own / "direct", recut_interval=0.0)
    direct.render_badge(LATE)
    direct.late.wait()
    direct.render_badge(LATE)  # with the late cut

    in_process = InProcessRenderer(HEADER, extra_chars="山田", font_cache=own / "in-process")
    try:
        await in_process.render_badge(YAMADA)
    finally:
        in_process.close()

    pool = PoolRenderer(HEADER, 1, own / "pool")
    try:
        await pool.warm("山田")
        await pool.render_badge(YAMADA)
    finally:
        pool.close()

    assert snapshot(machine_cache) == before  # nothing cut there, nothing pruned
    for place in ("direct", "in-process", "pool"):
        assert any(path.suffix == ".otf" for path in (own / place).iterdir()), place
    assert len(list((own / "direct").glob("Noto-Sans-CJK-JP-Names-Regular-*.otf"))) == 2  # its late cut too


def test_the_services_render_pool_takes_its_cache_from_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BADGES_FONT_CACHE", str(tmp_path / "fonts"))
    settings = BadgesSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}", store_dir=tmp_path / "pdfs")
    _runtime, app = build(settings)  # nothing connects or starts a worker until the lifespan runs
    pool = app.state.deps.renderer
    assert isinstance(pool, PoolRenderer) and pool.font_cache == tmp_path / "fonts"
    monkeypatch.delenv("BADGES_FONT_CACHE")
    assert BadgesSettings().font_cache is None  # the default: weasy.default_font_cache
