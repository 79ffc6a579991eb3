"""Affinity of a reviewer for an abstract: TF-IDF text similarity plus their bid, with the reason why.

The abstract's title, keywords and text and the reviewer's profile (keywords they know, abstracts of their
own) are TF-IDF vectors fitted on all of them together (accents folded, sublinear term frequency, words
of two letters or more); similarity is the cosine of the two vectors, in [0, 1]. The bid moves it:
``eager`` +0.3, ``willing`` +0.1, no bid 0, ``not_willing`` −0.5; ``conflict`` removes the pair. Offline
and deterministic: scikit-learn, no model download.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from services.abstracts.domain.matching.model import Pair

BID_BONUS: dict[str, float] = {"eager": 0.3, "willing": 0.1, "none": 0.0, "not_willing": -0.5}
BIDS = (*BID_BONUS, "conflict")


@dataclass(frozen=True)
class Text:
    """An abstract (title, keywords, text) or a reviewer's profile (keywords, own abstracts) by id."""

    id: str
    keywords: tuple[str, ...] = ()
    body: str = ""

    def document(self) -> str:
        # keywords count twice: they are the author's own summary of the topic
        return " ".join([*self.keywords, *self.keywords, self.body])


@dataclass(frozen=True)
class Affinity:
    score: float
    similarity: float
    bid: str
    shared: tuple[str, ...]
    """The terms that contribute most to the similarity, strongest first."""

    def why(self) -> str:
        terms = ", ".join(self.shared) if self.shared else "no shared terms"
        return f"{terms}; bid: {self.bid.replace('_', ' ')}"


def affinities(
    abstracts: Sequence[Text],
    profiles: Sequence[Text],
    pairs: Iterable[Pair],
    bids: Mapping[Pair, str] | None = None,
    top_terms: int = 5,
) -> dict[Pair, Affinity]:
    """The affinity of each (abstract id, reviewer id) pair; pairs bid ``conflict`` are left out."""
    bids = bids or {}
    wanted = [p for p in pairs if bids.get(p, "none") != "conflict"]
    docs = [t.document() for t in (*abstracts, *profiles)]
    vectorizer = TfidfVectorizer(strip_accents="unicode", sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(docs).tocsr() if wanted else None
    except ValueError:  # no word of two letters or more in any text: nothing to compare
        matrix = None
    if matrix is None:
        return {p: Affinity(BID_BONUS[bids.get(p, "none")], 0.0, bids.get(p, "none"), ()) for p in wanted}
    terms = vectorizer.get_feature_names_out()
    a_ix = {t.id: i for i, t in enumerate(abstracts)}
    r_ix = {t.id: len(abstracts) + i for i, t in enumerate(profiles)}
    out = {}
    for pair in wanted:
        product = matrix[a_ix[pair[0]]].multiply(matrix[r_ix[pair[1]]]).tocoo()
        similarity = float(product.sum())
        order = np.lexsort((product.col, -product.data))[:top_terms]
        bid = bids.get(pair, "none")
        shared = tuple(str(terms[product.col[i]]) for i in order)
        out[pair] = Affinity(round(similarity + BID_BONUS[bid], 4), round(similarity, 4), bid, shared)
    return out
