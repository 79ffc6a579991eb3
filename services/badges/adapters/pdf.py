"""WeasyPrint rendering of badges, print sheets and delegate documents.

One ``PdfRenderer`` per process holds everything that is expensive to build: the
Jinja2 environment (autoescaped), the parsed stylesheets, WeasyPrint's
``FontConfiguration``, the font chain (``fonts.FontChain``) and the Pango measure. A URL fetcher refuses the
network and every file outside the templates directory.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from services.badges import domain
from services.badges.adapters import cjk, fonts, patterns, stamp, subset, textlayer
from services.badges.adapters.book_pdf import LOCALE as BOOK_LOCALE
from services.badges.adapters.book_pdf import book_context
from services.badges.adapters.fit import fit_measured
from services.badges.adapters.fontset import ChainFontConfiguration
from services.badges.adapters.measure import PangoMeasure, cluster_breaks, line_breaks
from services.badges.adapters.unprintable import badge_texts
from services.badges.adapters.weasy import BADGE_UA, WARM_UP_NAMES, BadgeHTML, default_font_cache
from services.badges.domain.badge import BadgeContent as BadgeContent  # the domain owns it; re-exported
from services.badges.domain.book import Book
from services.common.page_language import install_page_i18n
from services.common.printable import printable
from services.common.text import clean_for_display

log = logging.getLogger("congress.badges.pdf")

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves ``data:`` URIs and files inside the templates directory; refuses everything else."""

    def __init__(self, root: Path = TEMPLATES, *more_roots: Path) -> None:
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=False)
        self.root = root.resolve()
        self.roots = (self.root, *(r.resolve() for r in more_roots))
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file://"))).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes())
        self.refused.append(url)
        log.warning("refused to fetch %s", url[:200])
        raise ValueError(f"refused: {url[:80]}")


@dataclass(frozen=True)
class CongressHeader:
    name: str
    where: str
    primary_colour: str = "#1d4e89"


@dataclass
class PdfRenderer:
    """Renders badges and documents; build once per (worker) process and reuse."""

    header: CongressHeader
    reuse: bool = True
    """Reuse the parsed stylesheet and FontConfiguration across renders (measured in bench/badges.py)."""
    fast: bool = True
    """Minimal user-agent sheet for badges and small cut CJK fonts (``adapters/cjk.py``); False = as before."""
    font_cache: Path = field(default_factory=default_font_cache)
    extra_chars: str = ""
    """Characters to add to the cut CJK fonts (e.g. every name the congress knows of)."""
    recut_interval: float = 60.0
    """Seconds at least between two background cuts for names that bring new CJK characters (``cjk.LateNames``)."""
    only_chain_fonts: bool = True
    """Offer Pango only the faces a font chain can name (``fontset.ChainFontConfiguration``); False = every
    installed face, as before (a new chain, language or size then costs a sort of ~1,900 faces)."""
    text_layer: str = "direct"
    """How the fast badge's texts are laid out: "direct" draws the fitted lines straight into the PDF
    (``adapters/textlayer.py``; a badge it cannot draw the same way falls back); "weasyprint" lays them out
    as an HTML page (as before; the benchmark's and the tests' reference)."""
    env: Environment = field(init=False)
    fetcher: LocalOnlyFetcher = field(init=False)
    _css: dict[str, list[CSS]] = field(init=False)
    _font_config: FontConfiguration = field(init=False)
    _frames: dict[str, stamp.Frame] = field(init=False, default_factory=dict)
    _warming: bool = field(init=False, default=False)
    _direct: textlayer.DirectTextLayer | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.text_layer not in ("direct", "weasyprint"):
            raise ValueError(f"text_layer must be 'direct' or 'weasyprint', not {self.text_layer!r}")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["isolate"] = isolate
        self.env.filters["page_counters"] = page_counters
        install_page_i18n(
            self.env, BOOK_LOCALE
        )  # the book's words, the receipts' and invoices'; the visa letter and certificate carry no _()
        self.fetcher = LocalOnlyFetcher(TEMPLATES, self.font_cache)
        if self.fast:
            subset.install()  # process-wide: every later PDF of this process subsets from prepared faces
        self.late = cjk.LateNames(
            (ord(c) for c in self.extra_chars if cjk.is_cjk(c)), self.font_cache, interval=self.recut_interval
        )
        self.cut_fonts = cjk.cut_all(self.late.extra, self.font_cache) if self.fast else []
        self.chain = fonts.FontChain()
        self._font_config = self._new_font_config()
        self._css = self._stylesheets(self._font_config)
        self._measure: PangoMeasure | None = None

    def _take_new_cut(self) -> None:
        """Swap in the fonts a background cut made for late names (between two renders; ~20 ms)."""
        cut = self.late.take() if self.fast else None
        if cut:
            self.cut_fonts = cut
            self._font_config = self._new_font_config()
            self._css = self._stylesheets(self._font_config)
            self._measure = None
            self._direct = None
            log.info("CJK fonts cut again: %d characters beyond the base sets", len(self.late.extra))

    def _new_font_config(self) -> FontConfiguration:
        if not self.only_chain_fonts:
            return FontConfiguration()
        cut = {f.family for f in self.cut_fonts}  # @font-face fonts: upright, normal width
        return ChainFontConfiguration(self.chain.pickable | cut, self.chain.index.upright | cut)

    def _theme_css(self) -> str:
        rules = [
            f'@font-face {{ font-family: "{f.family}"; font-weight: {f.weight}; src: url("{f.path.as_uri()}"); }}'
            for f in self.cut_fonts
        ]
        rules += [
            f"html {{ font-family: {fonts.css(self.chain.families(self.header.name + self.header.where, 'en'))}; }}",
            f".hd {{ background: {self.header.primary_colour}; }}",
            patterns.pattern_css(),
        ]
        return "\n".join(rules)

    def _stylesheets(self, font_config: FontConfiguration) -> dict[str, list[CSS]]:
        """Parsed once: badges and documents each get only their own rules (fewer page boxes to style)."""
        theme = CSS(string=self._theme_css(), font_config=font_config, url_fetcher=self.fetcher)
        sheets = {
            kind: [
                CSS(
                    filename=str(TEMPLATES / f"{kind}.css"),
                    font_config=font_config,
                    url_fetcher=self.fetcher,
                ),
                theme,
            ]
            for kind in ("badge", "documents", "book")
        }
        sheets["badge-ua"] = [CSS(string=BADGE_UA, font_config=font_config)]
        return sheets

    def _setup(self, kind: str) -> tuple[list[CSS], FontConfiguration]:
        if self.reuse:
            return self._css[kind], self._font_config
        font_config = self._new_font_config()
        return self._stylesheets(font_config)[kind], font_config

    def _document(self, html: str, kind: str) -> HTML:
        if kind == "badge" and self.fast:
            ua = self._setup("badge-ua")[0]
            return BadgeHTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=self.fetcher, ua=ua)
        return HTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=self.fetcher)

    def _pdf(self, html: str, kind: str = "badge", **options: Any) -> bytes:
        css, font_config = self._setup(kind)
        document = self._document(html, kind)
        return document.write_pdf(stylesheets=css, font_config=font_config, **options)  # type: ignore[no-any-return]

    # --- badges ----------------------------------------------------------------------------

    def badge_view(self, content: BadgeContent, *, qr: bool = True) -> dict[str, Any]:
        """Clean one badge's texts, replace what no font can draw, choose their fonts and fit them.

        Every text goes through the one text rule (``clean_for_display``), then ``printable``: a
        character no installed font has is replaced by its transliteration (the handler tells the
        organisers, ``adapters/alerts.py``). The font chain is chosen from what the installed fonts
        cover (``fonts.FontChain``); sizes and line breaks are measured with Pango (``adapters/fit.py``).
        """
        lang = _safe_lang(content.language)
        texts = {field: text.text for field, text in badge_texts(content).items()}
        first, family, affiliation = texts["given name"], texts["family name"], texts["affiliation"]
        ribbon, others = domain.ribbon_for(content.roles)
        meta_lines = [
            printable(clean_for_display(content.country)).text,
            *([" · ".join(others)] if others else []),
            *(f"• {printable(clean_for_display(label)[:40]).text}" for label, _ in content.add_ons[:MAX_ADD_ONS]),
        ]
        if self.fast and not self._warming:  # the warm-up names are no delegate's: they must not start a cut
            self.late.note(first + family + affiliation)
        families = self.chain.families(first + family + affiliation + "".join(meta_lines), lang, self._cut())
        return {
            "lang": lang,
            "font_family": fonts.css(families),
            "font_families": fonts.pango(families),
            "congress_name": self.header.name,
            "congress_where": self.header.where,
            "given": self._fit(first, domain.NAME_BOX, families, lang, bold=True),
            "family": self._fit(family, domain.FAMILY_BOX, families, lang),
            "affiliation": self._fit(affiliation, domain.AFFILIATION_BOX, families, lang),
            "given_dir": domain.base_direction(first),
            "family_dir": domain.base_direction(family),
            "affiliation_dir": domain.base_direction(affiliation),
            "country": content.country,
            "ribbon": ribbon,
            "other_roles": others,
            "meta_lines": meta_lines,
            "qr_uri": qr_data_uri(content.qr_token or "-") if qr else "",
        }

    def _cut(self) -> tuple[tuple[str, str], ...]:
        return tuple((f.source_family, f.family) for f in self.cut_fonts)

    def _fit(self, text: str, box: domain.Box, families: tuple[str, ...], lang: str, *, bold: bool = False) -> Any:
        if self._measure is None:
            self._measure = PangoMeasure(self._font_config.font_map)
        width = self._measure.width_em
        return fit_measured(
            text,
            box,
            lambda t: width(t, families, bold, lang),
            lambda t: line_breaks(t, lang),
            lambda t: cluster_breaks(t, lang),
        )

    def badge_html(self, views: Sequence[dict[str, Any]], *, sheet: bool = False) -> str:
        badges: Sequence[Any] = domain.sheets(views) if sheet else views
        return self.env.get_template("badge.html").render(
            badges=badges, sheet=sheet, body_class="sheets" if sheet else "single"
        )

    def render_badge(self, content: BadgeContent) -> bytes:
        """One A6 badge: the delegate's texts over the role's frame, plus the QR code (``adapters/stamp.py``)."""
        if not self.fast:
            return self._pdf(self.badge_html([self.badge_view(content)]))
        result = self.render_badges([content])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def render_badges(self, contents: Sequence[BadgeContent]) -> list[bytes | Exception]:
        """One PDF per delegate, in order; a delegate whose badge fails gets the exception in their place.

        The texts are drawn straight into each PDF (``text_layer="direct"``, ``adapters/textlayer.py``);
        a badge the direct layer cannot draw the same way, and every badge with ``text_layer="weasyprint"``,
        is laid out by WeasyPrint instead, several delegates as one document, a page each (~2 ms a badge
        less than a document each), each page then written on its own (``Document.copy``) so a PDF holds
        only its own glyphs. A character no font has is no failure: it is printed transliterated
        (``adapters/unprintable.py``).
        """
        self._take_new_cut()
        out: list[bytes | Exception | None] = [None] * len(contents)
        laid_out: list[tuple[int, dict[str, Any], Any]] = []
        for i, content in enumerate(contents):
            try:
                view = self.badge_view(content, qr=False)
                finish = self._frame(view["ribbon"]).finisher(stamp.qr_image(content.qr_token or "-"))
                if self.text_layer == "direct":
                    out[i] = self._direct_layer().render(view, finish)
                    continue
            except textlayer.NotDirect as reason:
                log.debug("badge %s laid out by WeasyPrint: %s", content.delegate_id, reason)
            except Exception as exc:  # noqa: BLE001 - returned in the delegate's place, raised by the caller
                out[i] = exc
                continue
            laid_out.append((i, view, finish))
        if laid_out:
            self._weasyprint_text_layers(laid_out, out)
        return [r for r in out if r is not None]

    def _direct_layer(self) -> textlayer.DirectTextLayer:
        if self._direct is None:
            self._direct = textlayer.DirectTextLayer(self._font_config.font_map)
        return self._direct

    def _weasyprint_text_layers(
        self, laid_out: Sequence[tuple[int, dict[str, Any], Any]], out: list[bytes | Exception | None]
    ) -> None:
        """The texts of ``laid_out`` as one WeasyPrint document, each page written as its badge's PDF."""
        html = self.env.get_template("badge.html").render(layer="text", views=[v for _, v, _ in laid_out])
        css, font_config = self._setup("badge")
        document = self._document(html, "badge").render(stylesheets=css, font_config=font_config)
        if len(document.pages) != len(laid_out):  # never seen: every text layer is one fixed-height page
            raise RuntimeError(f"{len(laid_out)} badges laid out on {len(document.pages)} pages")
        for (i, _, finish), page in zip(laid_out, document.pages, strict=True):
            # uncompressed_pdf: no object streams (pydyf builds them in Python, ~15 % of a render);
            # the finisher compresses the streams themselves
            out[i] = document.copy([page]).write_pdf(uncompressed_pdf=True, finisher=finish)

    def _frame(self, ribbon: domain.Ribbon) -> stamp.Frame:
        frame = self._frames.get(ribbon.role)
        if frame is None:
            view = {"congress_name": self.header.name, "congress_where": self.header.where, "ribbon": ribbon}
            pdf = self._pdf(self.env.get_template("badge.html").render(layer="frame", view=view))
            frame = self._frames[ribbon.role] = stamp.Frame(pdf, ribbon.role)
        return frame

    def warm(self) -> None:
        """Render a badge per script and role once, so no delegate pays for loading a font or a frame."""
        roles = tuple(domain.RIBBONS)
        self._warming = True
        try:
            self._warm_all(roles)
        finally:
            self._warming = False

    def _warm_all(self, roles: tuple[str, ...]) -> None:
        for content in warm_up_contents(roles):
            self.render_badge(content)

    def render_sheets(self, contents: Sequence[BadgeContent]) -> bytes:
        """A4 sheets, four badges each in the given order, with crop marks."""
        return self._pdf(self.badge_html([self.badge_view(c) for c in contents], sheet=True))

    # --- documents -------------------------------------------------------------------------

    def render_document(self, template: str, context: dict[str, Any]) -> bytes:
        """Receipt, invoice, visa letter or certificate from ``templates/<template>.html``.

        Every text is shown through the one text rule, so a row stored before it (a NUL, an
        escape, a bidi override in a name or an address) prints as it would be accepted today.
        """
        context = printed(displayed(context))
        lang = _safe_lang(str(context.get("lang") or "en"))
        families = self.chain.families(" ".join(_strings(context)), lang)
        html = self.env.get_template(f"{template}.html").render(
            **context, congress_header=self.header, font_family=fonts.css(families)
        )
        return self._pdf(html, "documents")

    def render_book(self, book: Book) -> bytes:
        """The book of abstracts (``adapters/book_pdf.py``, ``templates/book.html``) in its language: bookmarks
        from its headings, the contents' page numbers from ``target-counter``.

        Laid out twice: the first layout says on which page each abstract begins, the second prints the author
        index with each page once (``domain.book_index``; CSS cannot drop a repeated ``target-counter``). The
        index is the book's last section, so its numbers move nothing the first layout placed.
        """
        template = self.env.get_template("book.html")
        css, font_config = self._setup("book")
        draft = self._document(template.render(**book_context(book, self.chain)), "book")
        laid_out = draft.render(stylesheets=css, font_config=font_config)
        pages: dict[str, int] = {}
        for number, page in enumerate(laid_out.pages, 1):
            for anchor in page.anchors:  # an abstract running over pages is anchored on each: its first counts
                pages.setdefault(anchor, number)
        return self._pdf(template.render(**book_context(book, self.chain, pages)), "book")


def warm_up_contents(roles: Sequence[str] = tuple(domain.RIBBONS)) -> list[BadgeContent]:
    """The warm-up badges: each script of ``WARM_UP_NAMES`` in bold and in regular, the roles in turn."""
    out = []
    for i, (given, family, lang) in enumerate(WARM_UP_NAMES):
        for first, second in ((given, family), (family, given)):
            role = roles[i % len(roles)]
            out.append(BadgeContent("warm-up", "-", 0, first, second, "", second, "XX", lang, (role,), (), "warm-up"))
    return out


MULTI_LINE_KEYS = frozenset({"institution_address", "address", "bank_details"})
"""Document context texts that keep their line breaks; every other text is one line."""


def displayed(value: Any, key: str = "") -> Any:
    """A template context with every string as ``clean_for_display`` shows it (nested dicts and lists too)."""
    if isinstance(value, str):
        return clean_for_display(value, multiline=key in MULTI_LINE_KEYS)
    if isinstance(value, dict):
        return {k: displayed(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [displayed(v, key) for v in value]
    return value


def printed(value: Any) -> Any:
    """A template context with every string as the installed fonts can print it (``printable``)."""
    if isinstance(value, str):
        return printable(value).text
    if isinstance(value, dict):
        return {k: printed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printed(v) for v in value]
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def isolate(text: object) -> str:
    """Wrap text in FSI…PDI so a right-to-left name cannot reorder the sentence around it.

    WeasyPrint 70 ignores CSS ``unicode-bidi``; Pango honours the Unicode isolates.
    User input has its own bidi controls stripped first, so only ours remain.
    """
    return f"\u2068{text}\u2069"


COUNTERS = {"\x01": "counter(page)", "\x02": "counter(pages)"}
"""What ``page_counters`` puts where a document's footer words hold U+0001 (this page) and U+0002 (the pages)."""


def page_counters(words: object) -> Markup:
    """A document's footer words ("Page U+0001 of U+0002" in its language) as a CSS ``content`` value: each piece a
    CSS string (quotes, backslashes and ``<`` escaped, so nothing ends the string or the ``<style>``), each mark a
    page counter."""
    text = words.unescape() if isinstance(words, Markup) else str(words)
    pieces = re.split("([\x01\x02])", text)
    return Markup(" ".join(COUNTERS.get(p) or _css_string(p) for p in pieces if p))  # noqa: S704  # CSS built above


def _css_string(text: str) -> str:
    return '"' + "".join(f"\\{ord(c):x} " if c in '"\\<>\n\r' else c for c in text) + '"'


def _safe_lang(lang: str) -> str:
    cleaned = "".join(c for c in lang if c.isalnum() or c == "-")[:35]
    return cleaned or "en"


def qr_data_uri(token: str) -> str:
    """The QR code as a 1-pixel-per-module PNG data URI (print sheets and the one-layer badge).

    A PNG avoids WeasyPrint's SVG path parser (~25 ms); drawn unsmoothed at 30 mm.
    """
    buffer = io.BytesIO()
    stamp.qr_image(token).save(buffer, "PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


MAX_ADD_ONS = 5
"""Marks that fit beside the QR code; the desk sees the full list on the station."""
