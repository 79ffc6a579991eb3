"""The fast badge (role frame stamped under the texts, QR image added, CJK fonts cut to known names) is a
correct badge: every script's name comes back out of the PDF, with its font embedded; the QR code decodes
to the token; a CJK character outside the cut still prints, from the full collection; the frame's font
subsets do not share a name with the texts'; one A6 page."""

from __future__ import annotations

import subprocess
from pathlib import Path

from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.demo.station import decode_qr
from tests.integration.badges import factories as f
from tests.integration.badges.test_badges_pipeline import pdf_fonts, pdf_info, pdf_text, squash

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")


def content(given: str, family: str, lang: str, role: str = "presenter") -> BadgeContent:
    token = f"token-{given}-{family}".encode().hex()[:90]
    return BadgeContent("d-1", "icsei-2027", 1, given, family, "", "Universität Wien", "AT", lang, (role,), (), token)


def test_every_script_in_two_layers_with_cut_cjk_fonts(tmp_path: Path) -> None:
    known = "".join(g + fam for g, fam, _, _ in f.SCRIPT_NAMES)
    renderer = PdfRenderer(HEADER, extra_chars=known, font_cache=tmp_path / "fonts")
    renderer.warm()
    roles = ("delegate", "presenter", "organiser", "staff", "press", "reviewer", "network_convener")
    for i, (given, family, lang, font) in enumerate(f.SCRIPT_NAMES):
        badge = content(given, family, lang, roles[i % len(roles)])
        path = tmp_path / f"badge-{i}.pdf"
        path.write_bytes(renderer.render_badge(badge))
        text = squash(pdf_text(path))
        assert squash(given) in text, (given, text[:200])
        assert squash(family) in text or lang == "hi"  # poppler splits Indic clusters
        assert "ICSEI2027" in text and "UniversitätWien" in text
        fonts = pdf_fonts(path)
        assert any(name.startswith(font) for name in fonts), (font, fonts)
        if font.startswith("Noto-Sans-CJK"):
            assert any(name.endswith(("-Names", "-Names-Bold")) for name in fonts), fonts
        assert decode_qr(path.read_bytes()) == badge.qr_token
        assert "Pages:           1" in pdf_info(path) and "297.638 x 419.528 pts" in pdf_info(path)
        tags = [
            line.split()[0]
            for line in subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
        ]
        assert len(tags) == len(set(tags)), tags  # the frame's subsets are renamed

    rare = tmp_path / "rare.pdf"  # 龘 is in no name the renderer was told about: the full collection draws it
    rare.write_bytes(renderer.render_badge(content("龘", "山田", "ja")))
    assert "龘山田" in squash(pdf_text(rare))
    assert any(name.startswith("Noto-Sans-CJK-JP") and "Names" not in name for name in pdf_fonts(rare))
