"""Building a message the faster way gives what the slower way gave: the same rendering, the same cleaning, headers
that decode back to the text (decision "65")."""

from __future__ import annotations

import base64
import random
from email import policy
from email.parser import BytesParser

import pytest
from jinja2 import Environment
from markupsafe import Markup

from services.common.text import shown
from services.notify.adapters import render
from services.notify.adapters.headers import MAX_ENCODED_WORD, encoded_words, subject_line
from services.notify.cli import MESSAGE_TYPES, render_example

HOSTILE = ('<b>Zoë</b> & "Co"', "O'Hara %(name)s %%")


@pytest.mark.parametrize("language", ["en", "fr", "ja"])
def test_the_quick_gettext_renders_every_template_as_the_i18n_extension_does(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, family = HOSTILE
    quick = {t: render_example(t, given=given, family=family, language=language)[0] for t in MESSAGE_TYPES}
    # The extension's own ``_`` (new-style gettext through the context), given in the context instead.
    monkeypatch.setattr(render, "quick_gettext", lambda _translations: _extension_underscore())
    for template in MESSAGE_TYPES:
        assert render_example(template, given=given, family=family, language=language)[0] == quick[template]
    assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; &#34;Co&#34;" in quick["registration_confirmed"].html


def _extension_underscore() -> object:
    env = Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701 -- nothing is rendered with it, only its ``_``
    render._install_gettext(env)  # as the renderer installs it: ``_`` reads ``_translations`` from the context
    return env.globals["_"]


@pytest.mark.parametrize(
    "value",
    [
        "plain ASCII, printable",
        "tab\tand\nnewline",
        "bell\x07 and escape\x1b",
        "right-to-left override \u202e here",
        "isolate \u2066x\u2069",
        "Zoë Ørsted-Müller",
        "王 小明",
        Markup("<b>bold</b>"),
        Markup("<b>\u202ebold</b>"),
        "",
        42,
        None,
    ],
)
def test_finalize_prints_what_shown_prints(value: object) -> None:
    out = render.finalize(value)
    assert out == shown(value) and type(out) is type(shown(value))


def test_encoded_words_fold_within_the_line_and_decode_back_to_the_subject() -> None:
    rng = random.Random(60)
    alphabet = "aZ 09-:éøüЖжعربي王小明🎉\u0301"
    subjects = ["Ö", "🎉" * 40, "é" * 200, "ICSEI 2027 : votre badge est prêt — Zoë Ørsted-Müller"]
    subjects += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 160))).strip() or "x" for _ in range(300)]
    for subject in subjects:
        line = subject_line(subject)
        assert line is not None and line.isascii()
        lines = line.rstrip(b"\r\n").split(b"\r\n")
        assert all(len(part) <= 78 for part in lines)
        words = [w for part in lines for w in part.split() if w.startswith(b"=?")]
        assert all(len(w) <= MAX_ENCODED_WORD for w in words)
        parsed = BytesParser(policy=policy.default).parsebytes(line + b"\r\nbody")
        assert str(parsed["Subject"]) == subject


def test_an_encoded_word_never_splits_a_character() -> None:
    for room in range(20, 76):  # 20: one four-byte character in a word
        for text in ("é" * 50, "王" * 50, "🎉" * 50, "a" + "🎉" * 50):
            words = encoded_words(text, room).split("\r\n ")
            assert len(words[0]) <= room and all(len(w) <= MAX_ENCODED_WORD for w in words)
            decoded = [base64.b64decode(w[len("=?utf-8?b?") : -2]).decode("utf-8") for w in words]
            assert "".join(decoded) == text
