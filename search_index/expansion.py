"""Query-side expansion mirroring the index's analysis: a word becomes its spellings (scored once), its parts (an
OR beneath the whole word), and a query's adjacent words a boost for the documents that keep them together.

The index stores every word with its dictionary sub-words (深基坑 also as 基坑, 模板支撑体系 also as 模板 and
支撑体系), so a query word that only looked for itself missed texts that say the parts apart (应急救援预案 for
应急预案, 模板 … 支撑体系 for 模板支撑体系). A query word now matches its parts too, each weighed down by
``PART_WEIGHT``, so the documents with the whole word rank first.

Weights: field weights are applied at query time (the schema stores plain frequencies), so they can be tuned
without a rebuild. The values below were tuned on the labelled set (tests/search_relevance) with
``python -m tests.search_relevance.harness``; the grid and its figures are in the comment below.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from whoosh import query as wq

from search_index.analysis import OPAQUE_TERMS, expand, is_cjk, segmenter, subwords
from search_index.ranking import BestOf
from search_index.whoosh_private import ExpandingTerm

# Query-time weights of the text fields (a title used to weigh 3, a unit 1.5, at index time).
FIELD_WEIGHTS: dict[str, float] = {"title": 1.0, "units": 1.5, "body": 1.0}
# A compound's part (基坑 of 深基坑) against the whole word.
PART_WEIGHT = 0.3
# A pair of the query's adjacent words found adjacent in a document (the pairs field).
PAIR_WEIGHT = 2.0
# The words one character stands for, at most: the commonest first.
MAX_PER_CHAR = 24
# The grid (2026-12-05, tests/search_relevance: 93 queries; nDCG@10 / recall@10 / MRR, weights query-time):
# - the 80 labelled documents alone, 720 points (title 0.5-3, units 0.5-1.5, part 0.1-0.5, pair 0.5-2, floor
#   0.05-1): nDCG 0.937-0.951, recall 0.92 throughout; mean nDCG by title 0.5/1/1.5/2/3: 0.943/0.945/0.948/
#   0.948/0.948, by part 0.1/0.2/0.3/0.5: 0.944/0.945/0.947/0.949 - the set alone hardly tells them apart;
# - with 2,000 demo plans mixed in (``--distractors 2000``), 20 points: title 1/1.5/2/3 (units 1.5, part 0.3,
#   pair 2, floor 0.1) nDCG 0.675/0.664/0.664/0.661, MRR 0.770/0.761/0.754/0.753; part 0.5 below 0.3 at every
#   title (0.670 at title 1); pair 2 at or above pair 1 (0.675 against 0.671); floor 0.05/0.1/0.3/1
#   0.677/0.675/0.675/0.673; units 1 = 1.5 (0.675). Chosen: title 1, units 1.5, part 0.3, pair 2, floor 0.05:
#   labelled set alone recall@10 0.922, MRR 0.982, nDCG 0.946; with the demo plans 0.652 / 0.770 / 0.677
#   (today's engine, title 3 at index time, with the demo plans: see tests/search_relevance/BASELINE.md).


def weight(fieldname: str) -> float:
    return FIELD_WEIGHTS.get(fieldname, 1.0)


@functools.lru_cache(maxsize=65536)
def parts(word: str) -> tuple[str, ...]:
    """A compound's largest dictionary words inside it (模板, 支撑体系 of 模板支撑体系; 基坑 of 深基坑); none
    for a word whose parts change its meaning (不通过) or for numbers and codes."""
    if word in OPAQUE_TERMS or not is_cjk(word):
        return ()
    freq = segmenter().FREQ
    known = [s for s in subwords(word) if is_cjk(s) and freq.get(s, 0) > 0]
    return tuple(s for s in known if not any(s != other and s in other for other in known))


def in_fields(word: str, fields: Sequence[str], scale: float = 1.0) -> wq.Query:
    """One word in any of the fields, each weighted."""
    found = [wq.Term(f, word, boost=scale * weight(f)) for f in fields]
    return found[0] if len(found) == 1 else wq.Or(found)


def word_query(
    word: str, variants: Sequence[str], fields: Sequence[str], with_parts: bool = True
) -> wq.Query:
    """A query word: the best of its spellings (synonyms, narrower words), or else its parts, each the best of
    its own spellings, weighed down (起重机械安装: 起重机械 or 施工升降机…, and 安装)."""
    whole = _best_spelling(variants, fields)
    pieces = [p for p in parts(word) if p not in variants] if with_parts else []
    if not pieces:
        return whole
    return wq.Or([whole, *(_best_spelling(expand(p), fields, PART_WEIGHT) for p in pieces)])


def _best_spelling(variants: Sequence[str], fields: Sequence[str], scale: float = 1.0) -> wq.Query:
    spellings = [in_fields(v, fields, scale) for v in variants]
    return spellings[0] if len(spellings) == 1 else BestOf(spellings)


def adjacency(pairs: Iterable[str]) -> wq.Query | None:
    """The boost for documents with the query's adjacent words next to each other."""
    found = [wq.Term("pairs", p, boost=PAIR_WEIGHT) for p in dict.fromkeys(pairs)]
    if not found:
        return None
    return found[0] if len(found) == 1 else wq.Or(found)


def best_btexts(btexts: Iterable[bytes], frequency: dict[bytes, int]) -> list[bytes]:
    """The ``MAX_PER_CHAR`` words a character stands for: those most documents use, then the shorter."""
    ranked = sorted(btexts, key=lambda t: (-frequency.get(t, 0), len(t), t))
    return sorted(ranked[:MAX_PER_CHAR])


class Contains(ExpandingTerm):
    """The words of a field that contain one character: what a one-character query word (桩) matches, so
    灌注桩 is found; at most ``expansion.MAX_PER_CHAR`` of them, those most documents use, and a document is
    scored by the best of them (a character is one concept, not one per word). The field's words are read once
    per index segment (segments never change their words)."""

    def __init__(self, fieldname: str, char: str, boost: float = 1.0) -> None:
        self.fieldname = fieldname
        self.text = char
        self.boost = boost

    def __eq__(self, other: object) -> bool:
        return type(other) is Contains and (other.fieldname, other.text) == (self.fieldname, self.text)

    def __hash__(self) -> int:
        return hash((Contains, self.fieldname, self.text))

    def __repr__(self) -> str:
        return f"Contains({self.fieldname!r}, {self.text!r})"

    def btexts(self, ixreader: Any) -> list[bytes]:
        needle = self.text.encode("utf-8")  # UTF-8 never matches a character inside another one
        leaves = ixreader.leaf_readers()
        key = (tuple(_segment_key(leaf) for leaf, _ in leaves), self.fieldname, needle)
        chosen = _CHOSEN.get(key)
        if chosen is None:
            frequency: Counter[bytes] = Counter()
            for leaf, _ in leaves:
                for t in _lexicon(leaf, self.fieldname):
                    if needle in t:
                        frequency[t] += leaf.doc_frequency(self.fieldname, t)
            chosen = best_btexts(frequency, frequency)
            with _LEXICONS_LOCK:
                if len(_CHOSEN) >= _LEXICONS_MAX * 16:
                    _CHOSEN.clear()
                _CHOSEN[key] = chosen
        return chosen

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        found = [wq.Term(self.fieldname, t, boost=self.boost) for t in self.btexts(searcher.reader())]
        return BestOf(found).matcher(searcher, context)


def _segment_key(leaf: Any) -> str:
    segment = leaf.segment()
    return "" if segment is None else str(segment.segment_id())


_LEXICONS: dict[tuple[str, str], tuple[bytes, ...]] = {}
_LEXICONS_MAX = 64
_LEXICONS_LOCK = threading.Lock()
_CHOSEN: dict[tuple[tuple[str, ...], str, bytes], list[bytes]] = {}


def _lexicon(leaf: Any, fieldname: str) -> tuple[bytes, ...]:
    """A segment's words of a field; the caller holds the lock of the searcher ``leaf`` belongs to."""
    segment = leaf.segment()
    if segment is None:  # an empty index
        return ()
    key = (segment.segment_id(), fieldname)
    found = _LEXICONS.get(key)
    if found is None:
        found = tuple(leaf.lexicon(fieldname)) if fieldname in leaf.indexed_field_names() else ()
        with _LEXICONS_LOCK:  # the cache is shared by every searcher of the process
            while len(_LEXICONS) >= _LEXICONS_MAX:
                _LEXICONS.pop(next(iter(_LEXICONS)))
            _LEXICONS[key] = found
    return found
