"""Names in every script the installed fonts cover, built from data, not typed by hand.

CLDR (through Babel) gives every locale's words in its own script: the language's own name (its
autonym), the months, the territories. Babel does not ship CLDR's exemplar character sets, so a
locale's test name is made of those words: the autonym as given name, September as family name and
"<territory>, <Monday>" as affiliation — real words, real clusters, each locale's own spelling.
CLDR's locales use ~45 scripts; Unicode's script property (``fontTools.unicodedata``) adds every
other script an installed font has letters for (Kawi-era scripts without a font are left out and
counted), with a name made of its first letters.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass

from babel import Locale, localedata
from fontTools import unicodedata as ucd
from fontTools.unicodedata import Scripts

from services.common.printable import FontIndex


@dataclass(frozen=True)
class Sample:
    source: str
    """``cldr:<locale>`` or ``unicode:<script>``."""
    script: str
    """ISO 15924 code of most of its letters."""
    lang: str
    given: str
    family: str
    affiliation: str

    @property
    def text(self) -> str:
        return self.given + self.family + self.affiliation


def main_script(text: str) -> str:
    counts = Counter(ucd.script(c) for c in text if c.isalpha())
    return counts.most_common(1)[0][0] if counts else "Zyyy"


def _locale_sample(identifier: str) -> Sample | None:
    locale = Locale.parse(identifier)
    autonym = locale.get_display_name(locale) or ""
    month = locale.months["format"]["wide"].get(9, "")
    territory = locale.territories.get(locale.territory or "001") or locale.territories.get("001", "")
    monday = locale.days["format"]["wide"].get(0, "")
    if not autonym or not month:
        return None
    lang = identifier.replace("_", "-")
    return Sample(f"cldr:{identifier}", main_script(autonym + month), lang, autonym, month, f"{territory}, {monday}")


def cldr_samples(index: FontIndex) -> tuple[list[Sample], list[str]]:
    """A sample per CLDR locale with its own language data (regional variants share it), and the locales
    whose words some character no installed font has."""
    samples: list[Sample] = []
    without_font: list[str] = []
    seen: set[str] = set()
    for identifier in localedata.locale_identifiers():
        parts = identifier.split("_")
        if len(parts) > 1 and not (len(parts[1]) == 4 and parts[1].istitle()):
            continue  # a region: the same script and mostly the same words as its language
        sample = _locale_sample(identifier)
        if sample is None or sample.text in seen:
            continue
        seen.add(sample.text)
        (without_font.append(identifier) if index.missing(sample.text) else samples.append(sample))
    return samples, without_font


def new_letters_only(samples: list[Sample]) -> list[Sample]:
    """Every sample in a script other than Latin; a Latin one only if it brings a letter no earlier one had.

    262 of CLDR's locales write in Latin, most with letters another has already shown (each distinct
    language also costs Pango a font set of its own: ~25 ms a badge). What is left still holds every
    letter of every locale.
    """
    seen: set[str] = set()
    out = []
    for sample in samples:
        letters = {c for c in sample.text if c.isalpha()}
        if sample.script != "Latn" or letters - seen:
            out.append(sample)
            seen |= letters if sample.script == "Latn" else set()
    return out


def _letters(script: str, index: FontIndex) -> list[str]:
    """Up to the first nine letters of ``script`` an installed font has (a font may lack the letters added
    in later Unicode versions)."""
    out = []
    for i, start in enumerate(Scripts.RANGES):
        if Scripts.VALUES[i] != script:
            continue
        end = Scripts.RANGES[i + 1] if i + 1 < len(Scripts.RANGES) else 0x110000
        for code in range(start, min(end, start + 400)):
            char = chr(code)
            if unicodedata.category(char) in ("Lo", "Lu", "Ll") and not index.missing(char):
                out.append(char)
        if len(out) >= 9:
            break
    return out


def _codes(script: str) -> list[int]:
    codes: list[int] = []
    for i, start in enumerate(Scripts.RANGES):
        if Scripts.VALUES[i] == script:
            end = Scripts.RANGES[i + 1] if i + 1 < len(Scripts.RANGES) else 0x110000
            codes.extend(range(start, min(end, start + 400)))
    return codes


def script_samples(index: FontIndex, skip: set[str]) -> tuple[list[Sample], list[str]]:
    """A sample per Unicode script not in ``skip`` with nine letters an installed font has; and the scripts with
    letters but fewer than nine in any font."""
    samples: list[Sample] = []
    without_font: list[str] = []
    for script in sorted(set(Scripts.VALUES) - {"Zyyy", "Zinh", "Zzzz", "Brai", *skip}):
        letters = _letters(script, index)
        if len(letters) < 9:
            if any(unicodedata.category(chr(c)) == "Lo" for c in _codes(script)):
                without_font.append(script)
            continue
        given, family = "".join(letters[:4]), "".join(letters[4:9])
        samples.append(Sample(f"unicode:{script}", script, "und", given, family, f"{family} {given}"))
    return samples, without_font


def paired(samples: list[Sample]) -> list[Sample]:
    """Two scripts' samples on one badge (given name of one, family name of the other): half the badges."""
    out = []
    for a, b in zip(samples[::2], [*samples[1::2], samples[0]], strict=False):
        out.append(Sample(f"{a.source}+{b.source}", a.script, "und", a.given, b.family, f"{a.family} {b.given}"))
    return out
