"""The cut-font cache: old cuts go, cuts another worker may still load stay; "never cut again" is obeyed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from services.badges.adapters import cjk


def _cut(directory: Path, name: str, age_seconds: float) -> Path:
    path = directory / f"Noto-Sans-CJK-JP-Names-Bold-1-{name}.otf"
    path.write_bytes(b"font")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_prune_keeps_the_newest_and_every_young_cut(tmp_path: Path) -> None:
    young = [_cut(tmp_path, f"young{i}", 10 + i) for i in range(8)]  # more than KEEP_CUTS, all recent
    old = [_cut(tmp_path, f"old{i}", cjk.KEEP_SECONDS + 100 + i) for i in range(3)]
    other = tmp_path / "Noto-Sans-CJK-KR-Names-Bold-1-x.otf"
    other.write_bytes(b"font")
    os.utime(other, (0, 0))

    cjk._prune(tmp_path, "Noto-Sans-CJK-JP-Names-Bold")

    assert all(p.exists() for p in young)
    assert not any(p.exists() for p in old)
    assert other.exists()  # another family's cuts are not this prune's business


def test_late_names_gathers_new_ideographs_only_and_never_cuts_when_told(tmp_path: Path) -> None:
    late = cjk.LateNames([ord("山"), ord("田")], tmp_path, interval=float("inf"))
    late.note("山田 さくら Anna 김민준")  # known ideographs, kana and KS X 1001 Hangul are in the cut already
    assert late.missing == set()
    late.note("龘")
    assert late.missing == {ord("龘")}
    assert late.take() is None and late._thread is None
    assert not list(tmp_path.iterdir())
