"""Badge rendering benchmark: kiosk latency, bulk throughput, and two baselines in the same run.

    uv run python -m bench.badges [--delegates 2500] [--kiosk 200] [--baseline 120]

* kiosk: one badge at a time through the warm pool (what the station does on a miss),
  and in-process with a warm renderer (no IPC), p50/p99;
* bulk: every delegate through the warm pool (2 workers), badges/s;
* baseline (a): naive WeasyPrint — a cold setup (Jinja env, stylesheets, FontConfiguration)
  and one document per badge, in one process;
* baseline (b): reportlab canvas with reportlab's own QR widget (Indico/pretix approach).
  It cannot shape Arabic or Indic scripts nor use the CFF CJK fonts, so it draws less.

Prints a table and writes bench/results/badges.json. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import random
import statistics
import time
from pathlib import Path
from typing import Any

from services.badges.adapters.pdf import (
    TEMPLATES,
    BadgeContent,
    CongressHeader,
    PdfRenderer,
)
from services.badges.domain import QR_PURPOSE, qr_payload
from services.common.auth import sign

RESULTS = Path(__file__).resolve().parent / "results" / "badges.json"
HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")
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
    """Where one warm in-process render spends its time (medians, ms)."""
    from weasyprint import HTML

    acc: dict[str, list[float]] = {
        "fit+coverage+qr": [],
        "jinja": [],
        "layout": [],
        "draw+subset+write": [],
    }
    css, fonts = renderer._setup("badge")
    for content in items:
        t0 = time.perf_counter()
        view = renderer.badge_view(content)
        t1 = time.perf_counter()
        html = renderer.badge_html([view])
        t2 = time.perf_counter()
        doc = HTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=renderer.fetcher).render(
            stylesheets=css, font_config=fonts
        )
        t3 = time.perf_counter()
        doc.write_pdf()
        t4 = time.perf_counter()
        for key, a, b in zip(acc, (t0, t1, t2, t3), (t1, t2, t3, t4), strict=True):
            acc[key].append((b - a) * 1000)
    return {k: round(statistics.median(v), 2) for k, v in acc.items()}


def stored_kiosk(renderer: PdfRenderer, items: list[BadgeContent]) -> dict[str, float]:
    """The station's print path: the badge was rendered when the registration was confirmed; read it back."""
    import tempfile

    from services.badges.adapters.store import DiskPdfStore

    with tempfile.TemporaryDirectory() as tmp:
        store = DiskPdfStore(Path(tmp))
        hashes = [store.put(renderer.render_badge(c)).sha256 for c in items[:50]]
        return summary(timed(store.get, hashes))


def naive_badge(content: BadgeContent) -> bytes:
    """Baseline (a): everything set up cold for every badge, as a first implementation would."""
    return PdfRenderer(HEADER, reuse=False).render_badge(content)


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


async def pool_figures(items: list[BadgeContent], kiosk: list[BadgeContent], workers: int) -> dict[str, Any]:
    from services.badges.adapters.pool import PoolRenderer

    pool = PoolRenderer(HEADER, workers)
    try:
        start = time.perf_counter()
        await pool.warm()
        warm_s = time.perf_counter() - start
        kiosk_ms = []
        for content in kiosk:
            t = time.perf_counter()
            await pool.render_badge(content)
            kiosk_ms.append((time.perf_counter() - t) * 1000)
        start = time.perf_counter()
        # keep a bounded number in flight, as the consumer's batches do
        sem = asyncio.Semaphore(workers * 4)

        async def one(content: BadgeContent) -> int:
            async with sem:
                return len(await pool.render_badge(content))

        sizes = await asyncio.gather(*(one(c) for c in items))
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=2500)
    parser.add_argument("--kiosk", type=int, default=200)
    parser.add_argument("--baseline", type=int, default=120, help="badges per baseline sample")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    items = delegates(args.delegates)
    kiosk = items[: args.kiosk]
    sample = items[: args.baseline]
    from services.badges.adapters.fonts import harfbuzz_subset_available

    renderer = PdfRenderer(HEADER)
    for content in sample[:5]:
        renderer.render_badge(content)
    kiosk_ms = timed(renderer.render_badge, kiosk)
    inproc = summary(kiosk_ms)
    labels = scripts_for(args.delegates)[: args.kiosk]
    by_script = {
        s: round(
            statistics.median(m for m, lab in zip(kiosk_ms, labels, strict=True) if lab == s),
            1,
        )
        for s in dict.fromkeys(labels)
    }
    stored = stored_kiosk(renderer, kiosk)
    cold_css = PdfRenderer(HEADER, reuse=False)
    no_reuse = summary(timed(cold_css.render_badge, sample))
    breakdown = phases(renderer, sample)
    naive = summary(timed(naive_badge, sample))
    reportlab_badge(sample[0])
    rl = summary(timed(reportlab_badge, sample))
    pooled = asyncio.run(pool_figures(items, kiosk, args.workers))

    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "harfbuzz_subset": harfbuzz_subset_available(),
        },
        "delegates": args.delegates,
        "kiosk_in_process_warm": inproc,
        "kiosk_in_process_no_stylesheet_reuse": no_reuse,
        "phases_ms": breakdown,
        "kiosk_in_process_p50_by_script_ms": by_script,
        "kiosk_stored_pdf": stored,
        **pooled,
        "baseline_naive_weasyprint": naive,
        "baseline_reportlab": rl,
        "goals": {
            "kiosk_p50_ms": 20,
            "kiosk_p99_ms": 50,
            "bulk_per_s": 150,
            "speedup_vs_baselines": 2,
        },
    }
    bulk = pooled["bulk"]["per_s"]
    results["speedup"] = {
        "bulk_vs_naive": round(bulk / naive["per_s_one_process"], 2),
        "bulk_vs_reportlab": round(bulk / rl["per_s_one_process"], 2),
        "kiosk_p50_vs_naive": round(naive["p50_ms"] / inproc["p50_ms"], 2),
        "kiosk_p50_vs_reportlab": round(rl["p50_ms"] / inproc["p50_ms"], 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _print_table(results)


def _print_table(r: dict[str, Any]) -> None:
    rows = [
        ("kiosk, warm pool (IPC incl.)", r["kiosk_pool"]),
        ("kiosk, warm in-process", r["kiosk_in_process_warm"]),
        ("  same, no stylesheet/font reuse", r["kiosk_in_process_no_stylesheet_reuse"]),
        ("baseline (a) naive WeasyPrint", r["baseline_naive_weasyprint"]),
        ("baseline (b) reportlab + QR widget", r["baseline_reportlab"]),
    ]
    print(f"\n{'renderer':40} {'p50 ms':>8} {'p99 ms':>8} {'badges/s (1 proc)':>18}")
    for name, s in rows:
        print(f"{name:40} {s['p50_ms']:8.1f} {s['p99_ms']:8.1f} {s['per_s_one_process']:18.1f}")
    b = r["bulk"]
    print(
        f"\nbulk: {b['badges']} badges on {b['workers']} workers in {b['seconds']} s = {b['per_s']} badges/s "
        f"(pool warm-up {r['pool_warm_s']} s, mean PDF {b['mean_pdf_kb']} KB)"
    )
    sh = r["bulk_print_sheets"]
    print(
        f"bulk print sheets: {sh['badges']} badges in {sh['files']} A4 files in {sh['seconds']} s = "
        f"{sh['per_s']} badges/s ({sh['mb']} MB)"
    )
    print(f"speed-up: {r['speedup']}")
    print(f"one warm render, medians (ms): {r['phases_ms']}")
    print(f"in-process p50 by script (ms): {r['kiosk_in_process_p50_by_script_ms']}")
    k = r["kiosk_stored_pdf"]
    print(
        f"station print of an already-rendered badge (read from the store): p50 {k['p50_ms']} ms, p99 {k['p99_ms']} ms"
    )
    print(f"harfbuzz-subset: {r['machine']['harfbuzz_subset']}; written {RESULTS}")


if __name__ == "__main__":
    main()
