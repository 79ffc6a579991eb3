"""Badge rendering benchmark: kiosk latency, bulk throughput, the previous renderer and two baselines in one run.

    uv run python -m bench.badges [--delegates 2500] [--kiosk 200] [--baseline 120] [--workers 2]
    uv run python -m bench.badges --text-layer [--delegates 800]   # only the two text layers, paired

* kiosk: one badge at a time, warm, in-process and through the warm pool (what a desk edit
  renders), p50/p99, interleaved with the previous renderer (one layer, HTML5 user-agent sheet,
  full CJK collections) so both see the same machine load; and the station's actual print path
  (the PDF rendered when the registration was confirmed, read from the store);
* bulk: every delegate through the warm pool (``--workers``) in consumer-sized batches
  (``render_badges``), one PDF per delegate, badges/s;
  and the A4 print sheets;
* baseline (a): naive WeasyPrint — cold setup (Jinja env, stylesheets, FontConfiguration) and
  one one-layer document per badge, segno QR with its mask evaluation, in one process;
* baseline (b): reportlab canvas with reportlab's own QR widget (Indico/pretix approach).
  It cannot shape Arabic or Indic scripts nor use the CFF CJK fonts, so it draws less;
* CPU per badge by how many badges' texts are laid out as one document (``pool.CHUNK``);
* CPU per badge with the texts drawn straight into the PDF (``adapters/textlayer.py``) against laid out by
  WeasyPrint as an HTML page, chunk by chunk in turn (``--text-layer`` runs only this, and the phases);
* CPU per badge with fonts subset from faces prepared once (``adapters/subset.py``) against WeasyPrint's
  own subsetting, paired chunk by chunk.

The renderers' CJK fonts are cut to the names of the 2,500 delegates, as the service cuts them
to its replica's names at start. Prints the goals beside the figures, the machine load (1-min
load average before and after), and writes bench/results/badges.json. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import functools
import io
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from services.badges.adapters.pdf import (
    BadgeContent,
    CongressHeader,
    PdfRenderer,
    warm_up_contents,
)
from services.badges.domain import QR_PURPOSE, qr_payload
from services.common.auth import sign

RESULTS = Path(__file__).resolve().parent / "results" / "badges.json"
HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")


@functools.cache
def font_cache() -> Path:
    """This run's own cache of cut CJK fonts, removed at exit: the default one is shared by every badges process on
    the machine, each pruning old cuts there, so two runs at once deleted each other's."""
    path = Path(tempfile.mkdtemp(prefix="bench-badges-fonts-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


NAMES = {  # (language, given names, family names)
    "latin": (
        "de",
        [
            "Jürgen",
            "Anna-Sofía",
            "Zoë",
            "François",
            "Łukasz",
            "Siobhán",
            "Ana",
            "Ørjan",
        ],
        [
            "Müller",
            "García Márquez",
            "Nowak",
            "O'Connor",
            "Dvořák",
            "Van der Berg",
            "Şahin",
        ],
    ),
    "cyrillic": ("ru", ["Иван", "Наталья", "Олег"], ["Петров", "Смирнова", "Кузнецов"]),
    "greek": ("el", ["Ελένη", "Νίκος"], ["Παπαδοπούλου", "Γεωργίου"]),
    "arabic": ("ar", ["محمد", "فاطمة", "يوسف"], ["حسن", "العلي", "منصور"]),
    "hebrew": ("he", ["אברהם", "שרה"], ["כהן", "לוי"]),
    "devanagari": ("hi", ["राहुल", "प्रिया"], ["वर्मा", "शर्मा"]),
    "bengali": ("bn", ["সৌরভ", "অনন্যা"], ["দাস", "বসু"]),
    "tamil": ("ta", ["முத்து", "லட்சுமி"], ["ராமன்", "கிருஷ்ணன்"]),
    "thai": ("th", ["สมชาย", "มาลี"], ["ใจดี", "ศรีสุข"]),
    "georgian": ("ka", ["ნინო", "გიორგი"], ["ბერიძე", "კაპანაძე"]),
    "armenian": ("hy", ["Արամ", "Անի"], ["Խաչատրյան", "Սարգսյան"]),
    "ethiopic": ("am", ["አበበ", "ሳራ"], ["ቢቂላ", "ተስፋዬ"]),
    "chinese": ("zh", ["伟", "静"], ["王", "李"]),
    "japanese": ("ja", ["さくら", "健太"], ["山田", "佐藤"]),
    "korean": ("ko", ["민준", "서연"], ["김", "박"]),
}
WEIGHTS = {
    "latin": 40,
    "cyrillic": 6,
    "greek": 3,
    "arabic": 6,
    "hebrew": 2,
    "devanagari": 5,
    "bengali": 2,
    "tamil": 2,
    "thai": 3,
    "georgian": 1,
    "armenian": 1,
    "ethiopic": 1,
    "chinese": 10,
    "japanese": 10,
    "korean": 8,
}
ROLES = ["delegate"] * 12 + ["presenter"] * 5 + ["reviewer", "network_convener", "organiser", "staff", "press"]


def scripts_for(n: int, seed: int = 2027) -> list[str]:
    return random.Random(seed).choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=n)


def delegates(n: int, seed: int = 2027) -> list[BadgeContent]:
    scripts = scripts_for(n, seed)
    rng = random.Random(seed + 1)
    out = []
    for i, script in enumerate(scripts):
        lang, givens, families = NAMES[script]
        given, family = rng.choice(givens), rng.choice(families)
        if i % 20 == 0:  # mixed-script and long names
            given = f"{given} {rng.choice(NAMES['latin'][1])}"
            family = f"{family}-{rng.choice(NAMES['latin'][2])} {rng.choice(families)}"
        token = sign("bench-secret", QR_PURPOSE, qr_payload(f"del-{i:05d}", 1, "icsei-2027"))
        out.append(
            BadgeContent(
                f"del-{i:05d}",
                "icsei-2027",
                1,
                given,
                family,
                f"{given} {family}",
                rng.choice(["University of Tokyo", "Universität Wien", "KU Leuven", "UCL"]),
                "JP",
                lang,
                (rng.choice(ROLES),),
                (("Congress dinner", "social"),),
                token,
            )
        )
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(pct(ms, 0.5), 2),
        "p99_ms": round(pct(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "per_s_one_process": round(1000 / statistics.fmean(ms), 1),
    }


def timed(fn: Any, items: list[Any]) -> list[float]:
    ms = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        ms.append((time.perf_counter() - start) * 1000)
    return ms


def phases(renderer: PdfRenderer, items: list[BadgeContent]) -> dict[str, float]:
    """Where one warm in-process render spends its time (medians, ms): the WeasyPrint text layer's phases, then
    the direct layer's (``adapters/textlayer.py``: shape, draw, subset, write, frame and QR in one)."""
    from services.badges.adapters import stamp

    acc: dict[str, list[float]] = {
        "fit+fonts": [],
        "jinja": [],
        "layout": [],
        "draw+subset+write+frame+qr": [],
        "direct: qr": [],
        "direct: shape+draw+subset+write+frame": [],
    }
    css, fonts = renderer._setup("badge")
    template = renderer.env.get_template("badge.html")
    for content in items:
        t0 = time.perf_counter()
        view = renderer.badge_view(content, qr=False)
        t1 = time.perf_counter()
        html = template.render(layer="text", views=[view])
        t2 = time.perf_counter()
        doc = renderer._document(html, "badge").render(stylesheets=css, font_config=fonts)
        t3 = time.perf_counter()
        finish = renderer._frame(view["ribbon"]).finisher(stamp.qr_image(content.qr_token))
        doc.write_pdf(uncompressed_pdf=True, finisher=finish)
        t4 = time.perf_counter()
        finish = renderer._frame(view["ribbon"]).finisher(stamp.qr_image(content.qr_token))
        t5 = time.perf_counter()
        renderer._direct_layer().render(view, finish)
        t6 = time.perf_counter()
        for key, a, b in zip(acc, (t0, t1, t2, t3, t4, t5), (t1, t2, t3, t4, t5, t6), strict=True):
            acc[key].append((b - a) * 1000)
    return {k: round(statistics.median(v), 2) for k, v in acc.items()}


def late_names(items: list[BadgeContent], n: int = 100) -> dict[str, dict[str, float]]:
    """Japanese names registered after the workers cut their fonts: without a new cut, and after the background one."""
    known = set(names_of(items))
    chars = [chr(c) for c in range(0x4E00, 0x9FA6) if chr(c) not in known]
    rng = random.Random(11)
    late = [
        BadgeContent(
            f"late-{i}",
            "icsei-2027",
            1,
            "".join(rng.sample(chars, 2)),
            "".join(rng.sample(chars, 2)),
            "",
            "University of Tokyo",
            "JP",
            "ja",
            ("delegate",),
            (),
            f"late-token-{i}",
        )
        for i in range(n)
    ]
    never = PdfRenderer(HEADER, extra_chars=names_of(items), recut_interval=float("inf"), font_cache=font_cache())
    never.warm()
    recut = PdfRenderer(HEADER, extra_chars=names_of(items), recut_interval=0.0, font_cache=font_cache())
    recut.warm()
    for content in late:  # brings the new characters; the background cut starts at the first of them
        recut.render_badge(content)
    recut.late.wait()
    recut.render_badge(late[0])  # takes the new cut
    return {
        "without_new_cut": summary(timed(never.render_badge, late)),
        "after_background_cut": summary(timed(recut.render_badge, late)),
    }


def stored_kiosk(renderer: PdfRenderer, items: list[BadgeContent]) -> dict[str, float]:
    """The station's print path: the badge was rendered when the registration was confirmed; read it back."""
    import tempfile

    from services.badges.adapters.store import DiskPdfStore

    with tempfile.TemporaryDirectory() as tmp:
        store = DiskPdfStore(Path(tmp))
        hashes = [store.put(renderer.render_badge(c)).sha256 for c in items[:50]]
        return summary(timed(store.get, hashes))


class NaiveRenderer(PdfRenderer):
    """Baseline (a)'s renderer: one layer, HTML5 user-agent sheet, full CJK collections, segno's QR."""

    def badge_view(self, content: BadgeContent, *, qr: bool = True) -> dict[str, Any]:
        import segno

        view = super().badge_view(content, qr=False)
        view["qr_uri"] = segno.make(content.qr_token, error="m", micro=False).png_data_uri(scale=1, border=2)
        return view


def naive_badge(content: BadgeContent) -> bytes:
    """Baseline (a): everything set up cold for every badge, as a first implementation would."""
    return NaiveRenderer(HEADER, reuse=False, fast=False, only_chain_fonts=False, font_cache=font_cache()).render_badge(
        content
    )


CPU_MS: dict[str, list[float]] = {}
"""CPU time (this process) per badge by renderer: what a render costs whatever the neighbours do."""


def interleaved(renderers: dict[str, Any], items: list[BadgeContent]) -> dict[str, list[float]]:
    """Time each renderer on the same badges in turn, so a busy neighbour slows all of them alike."""
    ms: dict[str, list[float]] = {name: [] for name in renderers}
    for content in items:
        for name, render in renderers.items():
            start, cpu = time.perf_counter(), time.process_time()
            render(content)
            ms[name].append((time.perf_counter() - start) * 1000)
            CPU_MS.setdefault(name, []).append((time.process_time() - cpu) * 1000)
    return ms


def font_set_keys(renderer: PdfRenderer, content: BadgeContent) -> set[tuple[str, str, bool, float]]:
    """The (chain, language, weight, size) of each name text: a new one makes Pango build a font set."""
    view = renderer.badge_view(content, qr=False)
    texts = ((True, view["given"]), (False, view["family"]), (False, view["affiliation"]))
    return {(view["font_family"], view["lang"], bold, text.size_pt) for bold, text in texts}


def first_uses(
    renderer: PdfRenderer, kiosk: list[BadgeContent], ms: dict[str, list[float]], cpu: list[float], cpu_all: list[float]
) -> dict[str, Any]:
    """Kiosk badges that were the first of a (chain, language, weight, size) after the warm-up, and what they cost.

    Computed after the timed run (a view is deterministic), so the probe warms nothing the run measured.
    """
    seen = set().union(*(font_set_keys(renderer, c) for c in warm_up_contents()))
    first = []
    for content in kiosk:
        keys = font_set_keys(renderer, content)
        first.append(bool(keys - seen))
        seen |= keys
    picked = [i for i, is_first in enumerate(first) if is_first]
    rest = [i for i, is_first in enumerate(first) if not is_first]

    def med(values: list[float], which: list[int]) -> float:
        return round(statistics.median(values[i] for i in which), 1) if which else 0.0

    return {
        "count": len(picked),
        "of": len(kiosk),
        "wall_ms_median_now": med(ms["now"], picked),
        "wall_ms_max_now": round(max((ms["now"][i] for i in picked), default=0.0), 1),
        "cpu_ms_median_now": med(cpu, picked),
        "cpu_ms_median_all_faces": med(cpu_all, picked),
        "cpu_ms_median_others_now": med(cpu, rest),
        "cpu_ms_median_others_all_faces": med(cpu_all, rest),
    }


def cpu_figures() -> dict[str, dict[str, float]]:
    return {
        name: {
            "cpu_ms_mean": round(statistics.fmean(v), 2),
            "per_s_per_free_core": round(1000 / statistics.fmean(v), 1),
        }
        for name, v in CPU_MS.items()
    }


def chunk_sizes(renderer: PdfRenderer, items: list[BadgeContent]) -> dict[str, float]:
    """CPU ms per badge when ``render_badges`` gets N badges at a time (pool.CHUNK); it mattered when their texts
    were laid out as one WeasyPrint document, the direct layer draws each alone."""
    out = {}
    for size in (1, 4, 8, 16):
        cpu = time.process_time()
        for i in range(0, len(items), size):
            renderer.render_badges(items[i : i + size])
        out[f"chunk_{size}"] = round((time.process_time() - cpu) * 1000 / len(items), 2)
    return out


def text_layer_pairs(renderer: PdfRenderer, items: list[BadgeContent], size: int = 8) -> dict[str, float]:
    """CPU ms per badge with the texts drawn straight into the PDF (``adapters/textlayer.py``, ``renderer``) and
    laid out by WeasyPrint as an HTML page (a second renderer, same fonts), chunk by chunk in turn (paired)."""
    html = PdfRenderer(
        HEADER, extra_chars=renderer.extra_chars, text_layer="weasyprint", font_cache=renderer.font_cache
    )
    html.warm()
    cpu = {"weasyprint": 0.0, "direct": 0.0}
    for i in range(0, len(items), size):
        for name, each in (("weasyprint", html), ("direct", renderer)):
            start = time.process_time()
            each.render_badges(items[i : i + size])
            cpu[name] += time.process_time() - start
    out = {name: round(seconds * 1000 / len(items), 2) for name, seconds in cpu.items()}
    out["direct_share"] = round(cpu["direct"] / cpu["weasyprint"], 3)
    return out


def subset_pairs(renderer: PdfRenderer, items: list[BadgeContent], size: int = 8) -> dict[str, float]:
    """CPU ms per badge with fonts subset from prepared faces (``adapters/subset.py``) and with WeasyPrint's own
    two passes over the raw face, chunk by chunk in turn (paired: both see the same machine load)."""
    from services.badges.adapters import subset

    cpu = {"weasyprints_own": 0.0, "prepared_faces": 0.0}
    try:
        for i in range(0, len(items), size):
            for name, prepared in (("weasyprints_own", False), ("prepared_faces", True)):
                subset.install(prepared)
                start = time.process_time()
                renderer.render_badges(items[i : i + size])
                cpu[name] += time.process_time() - start
    finally:
        subset.install(True)
    return {name: round(seconds * 1000 / len(items), 2) for name, seconds in cpu.items()}


def reportlab_badge(content: BadgeContent) -> bytes:
    """Baseline (b): reportlab canvas + reportlab's QrCodeWidget; fonts registered once (TTF only)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A6
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    _register_reportlab_fonts()
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A6)
    width, height = A6
    c.setFillColor("#1d4e89")
    c.rect(0, height - 16 * mm, width, 16 * mm, fill=1, stroke=0)
    c.setFillColor("#ffffff")
    c.setFont("NotoSans-Bold", 11)
    c.drawString(5 * mm, height - 8 * mm, HEADER.name)
    c.setFillColor("#000000")
    c.setFont("NotoSans-Bold", 28)
    c.drawString(5 * mm, height - 35 * mm, content.given_name)
    c.setFont("NotoSans", 20)
    c.drawString(5 * mm, height - 45 * mm, content.family_name)
    c.setFont("NotoSans", 12)
    c.drawString(5 * mm, height - 80 * mm, content.affiliation)
    widget = QrCodeWidget(content.qr_token)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        30 * mm,
        30 * mm,
        transform=[30 * mm / (x1 - x0), 0, 0, 30 * mm / (y1 - y0), 0, 0],
    )
    drawing.add(widget)
    renderPDF.draw(drawing, c, width - 34 * mm, 20 * mm)
    c.setFillColor("#b3001b")
    c.rect(0, 0, width, 16 * mm, fill=1, stroke=0)
    c.showPage()
    c.save()
    return buffer.getvalue()


_RL_FONTS = False


def _register_reportlab_fonts() -> None:
    global _RL_FONTS
    if _RL_FONTS:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    base = "/usr/share/fonts/truetype/noto/"
    pdfmetrics.registerFont(TTFont("NotoSans", base + "NotoSans-Regular.ttf"))
    pdfmetrics.registerFont(TTFont("NotoSans-Bold", base + "NotoSans-Bold.ttf"))
    _RL_FONTS = True


BATCH = 32
"""Badges per consumer batch in the bulk run (the consumer renders a fetched batch's confirmations together)."""


async def pool_figures(items: list[BadgeContent], kiosk: list[BadgeContent], workers: int) -> dict[str, Any]:
    from services.badges.adapters.pool import PoolRenderer

    pool = PoolRenderer(HEADER, workers, font_cache())
    try:
        start = time.perf_counter()
        await pool.warm(names_of(items))
        warm_s = time.perf_counter() - start
        kiosk_ms = []
        for content in kiosk:
            t = time.perf_counter()
            await pool.render_badge(content)
            kiosk_ms.append((time.perf_counter() - t) * 1000)
        start = time.perf_counter()
        # as the consumer does: a batch of events at a time, its badges spread over the workers in chunks;
        # two batches in flight so a worker never waits for the hand-off of the next
        sem = asyncio.Semaphore(2)

        async def one(batch: list[BadgeContent]) -> list[int]:
            async with sem:
                return [len(r) for r in await pool.render_badges(batch) if isinstance(r, bytes)]

        batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
        sizes = [n for chunk in await asyncio.gather(*(one(b) for b in batches)) for n in chunk]
        bulk_s = time.perf_counter() - start
        sheets = await sheet_figures(pool, items)
    finally:
        pool.close()
    return {
        "pool_warm_s": round(warm_s, 2),
        "kiosk_pool": summary(kiosk_ms),
        "bulk": {
            "badges": len(items),
            "seconds": round(bulk_s, 2),
            "per_s": round(len(items) / bulk_s, 1),
            "mean_pdf_kb": round(statistics.fmean(sizes) / 1024, 1),
            "workers": workers,
        },
        "bulk_print_sheets": sheets,
    }


async def sheet_figures(pool: Any, items: list[BadgeContent], per_file: int = 100) -> dict[str, Any]:
    """The desk's print run: A4 sheets of four, files of ``per_file`` badges, on the same pool."""
    chunks = [items[i : i + per_file] for i in range(0, len(items), per_file)]
    start = time.perf_counter()
    sizes = await asyncio.gather(*(pool.render_sheets(c) for c in chunks))
    seconds = time.perf_counter() - start
    return {
        "badges": len(items),
        "files": len(chunks),
        "seconds": round(seconds, 2),
        "per_s": round(len(items) / seconds, 1),
        "mb": round(sum(map(len, sizes)) / 2**20, 1),
    }


def names_of(items: list[BadgeContent]) -> str:
    return "".join(c.given_name + c.family_name + c.affiliation for c in items)


def by_script(ms: list[float], labels: list[str]) -> dict[str, float]:
    return {
        s: round(statistics.median(m for m, lab in zip(ms, labels, strict=True) if lab == s), 1)
        for s in dict.fromkeys(labels)
    }


GOALS = {"kiosk_p50_ms": 20, "kiosk_p99_ms": 50, "bulk_per_s": 150, "speedup_vs_baselines": 2}


def in_process(items: list[BadgeContent], args: argparse.Namespace) -> dict[str, Any]:
    """Kiosk figures in this process: the renderer and the previous one interleaved, then the baselines."""
    kiosk, sample = items[: args.kiosk], items[: args.baseline]
    renderer = PdfRenderer(HEADER, extra_chars=names_of(items), font_cache=font_cache())
    renderer.warm()
    all_faces = PdfRenderer(HEADER, extra_chars=names_of(items), only_chain_fonts=False, font_cache=font_cache())
    all_faces.warm()
    before = PdfRenderer(HEADER, fast=False, only_chain_fonts=False, font_cache=font_cache())
    for content in sample[:5]:
        before.render_badge(content)
    ms = interleaved(
        {"now": renderer.render_badge, "all_faces": all_faces.render_badge, "before": before.render_badge}, kiosk
    )
    labels = scripts_for(len(items))[: args.kiosk]
    reportlab_badge(sample[0])
    base = interleaved({"naive": naive_badge, "reportlab": reportlab_badge, "now": renderer.render_badge}, sample)
    return {
        "kiosk_in_process_warm": summary(ms["now"]),
        "kiosk_in_process_before": summary(ms["before"]),
        "kiosk_in_process_all_faces": summary(ms["all_faces"]),
        "kiosk_in_process_cpu_ms": {
            name: {
                "p50": round(pct(CPU_MS[name][: len(kiosk)], 0.5), 2),
                "p99": round(pct(CPU_MS[name][: len(kiosk)], 0.99), 2),
            }
            for name in ("now", "all_faces", "before")
        },
        "kiosk_first_uses": first_uses(renderer, kiosk, ms, CPU_MS["now"][: len(kiosk)], CPU_MS["all_faces"]),
        "kiosk_in_process_p50_by_script_ms": by_script(ms["now"], labels),
        "kiosk_in_process_before_p50_by_script_ms": by_script(ms["before"], labels),
        "phases_ms": phases(renderer, sample),
        "late_cjk_names": late_names(items),
        "kiosk_stored_pdf": stored_kiosk(renderer, kiosk),
        "cpu_ms_per_badge_by_chunk": chunk_sizes(renderer, sample),
        "cpu_ms_per_badge_font_subsets": subset_pairs(renderer, items[: max(args.baseline, 400)]),
        "cpu_ms_per_badge_text_layer": text_layer_pairs(renderer, items[: max(args.baseline, 400)]),
        "baseline_naive_weasyprint": summary(base["naive"]),
        "baseline_reportlab": summary(base["reportlab"]),
        "baselines_run_now": summary(base["now"]),
        "cpu_per_badge": cpu_figures(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=2500)
    parser.add_argument("--kiosk", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=120, help="badges per baseline sample")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--text-layer", action="store_true", help="only the two text layers, paired")
    args = parser.parse_args()
    if args.text_layer:
        text_layer_only(delegates(args.delegates))
        return
    from services.badges.adapters.fonts import harfbuzz_subset_available

    load_before = os.getloadavg()[0]
    items = delegates(args.delegates)
    local = in_process(items, args)
    pooled = asyncio.run(pool_figures(items, items[: args.kiosk], args.workers))
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "harfbuzz_subset": harfbuzz_subset_available(),
            "load_1min_before": round(load_before, 2),
            "load_1min_after": round(os.getloadavg()[0], 2),
        },
        "delegates": args.delegates,
        **local,
        **pooled,
        "goals": GOALS,
    }
    results["speedup"] = speedups(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _print_table(results)


def text_layer_only(items: list[BadgeContent]) -> None:
    """The direct text layer against WeasyPrint's, paired, CPU ms per badge; with the load before and after."""
    load_before = os.getloadavg()[0]
    renderer = PdfRenderer(HEADER, extra_chars=names_of(items), font_cache=font_cache())
    renderer.warm()
    pairs = text_layer_pairs(renderer, items)
    split = phases(renderer, items[:120])
    print(f"{os.cpu_count()} cpus, 1-min load {load_before:.2f} before / {os.getloadavg()[0]:.2f} after")
    print(f"CPU ms per badge over {len(items)} badges, texts laid out by WeasyPrint / drawn directly: {pairs}")
    print(f"one warm render, medians (ms): {split}")


def speedups(r: dict[str, Any]) -> dict[str, float]:
    now, naive, rl = r["baselines_run_now"], r["baseline_naive_weasyprint"], r["baseline_reportlab"]
    bulk = r["bulk"]["per_s"]
    return {
        "p50_vs_naive": round(naive["p50_ms"] / now["p50_ms"], 2),
        "p50_vs_reportlab": round(rl["p50_ms"] / now["p50_ms"], 2),
        "per_process_vs_naive": round(now["per_s_one_process"] / naive["per_s_one_process"], 2),
        "per_process_vs_reportlab": round(now["per_s_one_process"] / rl["per_s_one_process"], 2),
        "bulk_pool_vs_naive_one_process": round(bulk / naive["per_s_one_process"], 2),
        "bulk_pool_vs_reportlab_one_process": round(bulk / rl["per_s_one_process"], 2),
    }


def _goal(value: float, goal: float, *, at_most: bool) -> str:
    met = value <= goal if at_most else value >= goal
    return f"{'met' if met else 'NOT met'} (goal {'≤' if at_most else '≥'} {goal})"


def _print_table(r: dict[str, Any]) -> None:
    rows = [
        ("kiosk, warm in-process", r["kiosk_in_process_warm"]),
        ("kiosk, warm pool (IPC incl.)", r["kiosk_pool"]),
        ("  every installed face offered, interleaved", r["kiosk_in_process_all_faces"]),
        ("  previous renderer, interleaved", r["kiosk_in_process_before"]),
        ("station print of stored PDF", r["kiosk_stored_pdf"]),
        ("baseline (a) naive WeasyPrint", r["baseline_naive_weasyprint"]),
        ("baseline (b) reportlab + QR widget", r["baseline_reportlab"]),
        ("  renderer, same badges as baselines", r["baselines_run_now"]),
    ]
    m = r["machine"]
    print(f"\n{m['cpus']} cpus, 1-min load {m['load_1min_before']} before / {m['load_1min_after']} after")
    print(f"{'renderer':40} {'p50 ms':>8} {'p99 ms':>8} {'badges/s (1 proc)':>18}")
    for name, s in rows:
        print(f"{name:40} {s['p50_ms']:8.1f} {s['p99_ms']:8.1f} {s['per_s_one_process']:18.1f}")
    k, b = r["kiosk_in_process_warm"], r["bulk"]
    print(f"\nkiosk p50 {k['p50_ms']} ms: {_goal(k['p50_ms'], GOALS['kiosk_p50_ms'], at_most=True)}")
    print(f"kiosk p99 {k['p99_ms']} ms: {_goal(k['p99_ms'], GOALS['kiosk_p99_ms'], at_most=True)}")
    print(
        f"bulk: {b['badges']} badges on {b['workers']} workers in {b['seconds']} s = {b['per_s']} badges/s: "
        f"{_goal(b['per_s'], GOALS['bulk_per_s'], at_most=False)} "
        f"(pool warm-up {r['pool_warm_s']} s, mean PDF {b['mean_pdf_kb']} KB)"
    )
    sh = r["bulk_print_sheets"]
    print(f"print sheets: {sh['badges']} badges in {sh['files']} A4 files in {sh['seconds']} s = {sh['per_s']}/s")
    print(f"speed-up (goal ≥ {GOALS['speedup_vs_baselines']}×): {r['speedup']}")
    print(f"one warm render, medians (ms): {r['phases_ms']}")
    print(f"CPU per badge (this process, whatever the load): {r['cpu_per_badge']}")
    late = r["late_cjk_names"]
    print(
        f"Japanese names unknown when the fonts were cut: p50/p99 {late['without_new_cut']['p50_ms']}/"
        f"{late['without_new_cut']['p99_ms']} ms from the full collection, "
        f"{late['after_background_cut']['p50_ms']}/{late['after_background_cut']['p99_ms']} ms after the background cut"
    )
    print(f"kiosk CPU ms per badge, p50/p99 (whatever the load; interleaved): {r['kiosk_in_process_cpu_ms']}")
    print(f"kiosk badges first of their (chain, language, weight, size) after the warm-up: {r['kiosk_first_uses']}")
    print(f"p50 by script now (ms): {r['kiosk_in_process_p50_by_script_ms']}")
    print(f"p50 by script before (ms): {r['kiosk_in_process_before_p50_by_script_ms']}")
    print(f"CPU ms per badge by badges laid out per document (pool.CHUNK): {r['cpu_ms_per_badge_by_chunk']}")
    print(f"CPU ms per badge, fonts subset by WeasyPrint / from prepared faces: {r['cpu_ms_per_badge_font_subsets']}")
    print(f"CPU ms per badge, texts laid out by WeasyPrint / drawn directly: {r['cpu_ms_per_badge_text_layer']}")
    print(f"harfbuzz-subset: {m['harfbuzz_subset']}; written {RESULTS}")


if __name__ == "__main__":
    main()
