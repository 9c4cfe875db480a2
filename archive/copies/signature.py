"""Pure text signatures for finding copies of an article across sites (no SQLite here).

Rules:
- texts are compared reduced to what survives any republisher's layout: Unicode NFKC, lower case, only
  letters, digits and CJK characters (punctuation, spaces and line breaks are layout, not wording);
- a text is the set of its character 5-grams, each hashed to 64 bits (a hash collision between two 5-grams
  is far rarer than any difference that matters, so set operations on the hashes are exact for our use);
- MinHash (128 values, one-permutation hashing with densification, numpy; see ``minhash``) estimates the Jaccard similarity of two
  such sets; LSH cuts the signature into 42 bands of 3 rows, and two texts become candidates when one band
  agrees. That is a low threshold on purpose (about 0.29: P(candidate) is .94 at Jaccard .4, .996 at .5):
  a copy that lost its last third has a Jaccard near .6 or lower and must still be found. Candidates are
  then judged by exact containment (``containment``), never by the estimate;
- paragraphs are the text's lines, reduced; a paragraph shorter than ``MIN_PARAGRAPH`` characters is too
  short to be told formulaic or not and has no hash.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

GRAM = 5
PERMUTATIONS = 128
ROWS = 3  # rows per band
BANDS = PERMUTATIONS // ROWS  # 42 (the last 2 hash functions are unused by the bands)
MIN_PARAGRAPH = 8

_NOT_KEPT = re.compile(r"[\W_]+")  # \w is letters, digits (CJK characters are letters) and "_"
_MASK64 = (1 << 64) - 1
_rng = np.random.default_rng(20260528)  # fixed: signatures are stored, so the functions never change
_A = (_rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)  # odd
_B = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)
_POWERS = np.array([pow(1_000_003, k, 1 << 64) for k in range(GRAM)], dtype=np.uint64)
_BAND_WEIGHTS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)

U64 = npt.NDArray[np.uint64]


def reduce_text(text: str | None) -> str:
    """NFKC, lower case, only letters, digits and CJK characters kept: what a copy cannot change by layout.
    Punctuation goes first, so that NFKC (slow on long texts) runs only when a full-width letter or digit
    or a compatibility character is left."""
    if not text:
        return ""
    kept = _NOT_KEPT.sub("", text)
    if not unicodedata.is_normalized("NFKC", kept):
        kept = _NOT_KEPT.sub("", unicodedata.normalize("NFKC", kept))
    return kept.lower()


def _mix(values: U64) -> U64:
    """splitmix64's finaliser: spreads a polynomial hash over all 64 bits (wrapping arithmetic is intended)."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint64(30))
        values = values * np.uint64(0xBF58476D1CE4E5B9)
        values = values ^ (values >> np.uint64(27))
        values = values * np.uint64(0x94D049BB133111EB)
        return values ^ (values >> np.uint64(31))


def gram_hashes(reduced: str) -> U64:
    """The sorted, distinct 64-bit hashes of the reduced text's character 5-grams (empty below 5 characters)."""
    if len(reduced) < GRAM:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(reduced.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = len(codes) - GRAM + 1
    total = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(GRAM):
            total += codes[k : k + count] * _POWERS[k]
    return np.unique(_mix(total))


def minhash(grams: U64) -> U64 | None:
    """One-permutation MinHash with rotation densification (Shrivastava and Li, 2014): the gram hashes,
    re-hashed once, fall into 128 bins by their top 7 bits and each bin keeps its smallest value; an empty bin
    takes the value of the next non-empty bin to its right (cyclically) plus a constant per step, so two
    texts agree on a bin with probability their Jaccard similarity. One pass over the grams instead of 128
    (k-permutation MinHash costs 5 ms on a 4,000-character article here; this costs a tenth of that).
    None for no grams."""
    if not len(grams):
        return None
    with np.errstate(over="ignore"):
        values = np.sort(_mix(grams * _A[0] + _B[0]))
    bins = (values >> np.uint64(64 - 7)).astype(np.intp)  # 128 bins
    firsts = np.searchsorted(bins, np.arange(PERMUTATIONS), side="left")
    filled = np.zeros(PERMUTATIONS, dtype=bool)
    inside = firsts < len(values)
    filled[inside] = bins[firsts[inside]] == np.arange(PERMUTATIONS)[inside]
    low = values & np.uint64((1 << (64 - 7)) - 1)
    result = np.zeros(PERMUTATIONS, dtype=np.uint64)
    result[filled] = low[firsts[filled]]
    if not filled.all():
        # densify: the distance to the next filled bin to the right, cyclically
        index = np.arange(PERMUTATIONS)
        filled_at = index[filled]
        doubled = np.concatenate([filled_at, filled_at + PERMUTATIONS])
        donor = doubled[np.searchsorted(doubled, index, side="left")]
        steps = (donor - index).astype(np.uint64)
        with np.errstate(over="ignore"):
            result = result[donor % PERMUTATIONS] + steps * np.uint64(0x9E3779B97F4A7C15)
    return result


def band_keys(signature: U64) -> list[int]:
    """One signed 64-bit key per band (SQLite's INTEGER), the band's number mixed in: equal keys mean an
    equal band at the same position."""
    rows = signature[: BANDS * ROWS].reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        combined = (rows * _BAND_WEIGHTS).sum(axis=1, dtype=np.uint64) + np.arange(BANDS, dtype=np.uint64)
    return [int(v) for v in _mix(combined).view(np.int64)]


def paragraphs(body: str | None) -> list[str]:
    """The body's paragraphs (its non-blank lines), as written."""
    return [line.strip() for line in (body or "").splitlines() if line.strip()]


def paragraph_hash(reduced: str) -> int:
    """A stable signed 64-bit hash of a reduced paragraph (blake2b: the same in every process)."""
    return int.from_bytes(
        hashlib.blake2b(reduced.encode("utf-8"), digest_size=8).digest(), "big", signed=True
    )


def paragraph_hashes(body: str | None) -> list[int]:
    """The distinct hashes of the body's paragraphs long enough to be judged (``MIN_PARAGRAPH``)."""
    return list(dict.fromkeys(h for _, h in parsed(body or "") if h is not None))


@dataclass(frozen=True)
class Signature:
    """What the archive stores for a version's body: its band keys and its paragraphs' hashes."""

    bands: list[int]
    paragraphs: list[int]
    neighbours: set[tuple[int, int]]
    grams: int
    mins: bytes = b""  # the 128 MinHash values, low 32 bits each, little-endian (``estimate``)


def signature(body: str | None) -> Signature | None:
    """The body's LSH band keys, paragraph hashes and neighbour pairs; None when it has no 5-gram (nothing
    to compare). Each paragraph is reduced once; the text is their reductions joined (reduction drops line
    breaks, so this is reduce_text of the whole body)."""
    reduced = [reduce_text(p) for p in paragraphs(body)]
    grams = gram_hashes("".join(reduced))
    mins = minhash(grams)
    if mins is None:
        return None
    hashes = [paragraph_hash(r) for r in reduced if len(r) >= MIN_PARAGRAPH]
    pairs = set()
    for a, b in zip(hashes, hashes[1:], strict=False):
        if a != b:
            pairs |= {(a, b), (b, a)}
    packed = (mins & np.uint64(0xFFFFFFFF)).astype("<u4").tobytes()
    return Signature(band_keys(mins), list(dict.fromkeys(hashes)), pairs, len(grams), packed)


def estimate(a: bytes, b: bytes) -> float:
    """The Jaccard similarity two stored signatures estimate: the share of their MinHash values that agree
    (0 when either is missing)."""
    if not a or len(a) != len(b):
        return 0.0
    return float((np.frombuffer(a, dtype="<u4") == np.frombuffer(b, dtype="<u4")).mean())


@lru_cache(maxsize=512)
def parsed(body: str) -> tuple[tuple[str, int | None], ...]:
    """The body's paragraphs reduced, each with its hash (None when too short to have one). Cached: a new
    version is judged against each of its candidates, and a group's texts against each other."""
    out = []
    for paragraph in paragraphs(body):
        reduced = reduce_text(paragraph)
        out.append((reduced, paragraph_hash(reduced) if len(reduced) >= MIN_PARAGRAPH else None))
    return tuple(out)


def kept_text(body: str | None, leave_out: set[int]) -> str:
    """The reduced body without the paragraphs whose hash is in leave_out (the formulaic ones)."""
    return "".join(reduced for reduced, h in parsed(body or "") if h is None or h not in leave_out)


@lru_cache(maxsize=512)
def _kept_grams(body: str, leave_out: frozenset[int]) -> U64:
    return gram_hashes(kept_text(body, set(leave_out)))


def kept_grams(body: str | None, leave_out: set[int]) -> U64:
    """gram_hashes(kept_text(body, leave_out)), cached on the paragraphs of leave_out the body has."""
    own = frozenset(h for _, h in parsed(body or "") if h is not None and h in leave_out)
    return _kept_grams(body or "", own)


def containment(a: U64, b: U64) -> float:
    """How much of the smaller 5-gram set lies in the larger one: |A ∩ B| / min(|A|, |B|) (0 when empty).
    A copy that kept two thirds of the article scores near 1, where its Jaccard similarity is near .67."""
    smaller = min(len(a), len(b))
    if not smaller:
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / smaller


def jaccard(a: U64, b: U64) -> float:
    """|A ∩ B| / |A ∪ B| (0 when both are empty)."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    return common / union if union else 0.0


def share_in(part: str, whole: U64) -> float:
    """The share of a reduced paragraph's 5-grams found in another text's 5-gram set (0 for a paragraph
    shorter than one 5-gram: the caller judges those as substrings)."""
    grams = gram_hashes(part)
    if not len(grams):
        return 0.0
    return float(np.isin(grams, whole, assume_unique=True).mean())


FORMULAIC_PAGES = 3  # a paragraph in fewer pages than this is never judged formulaic
FORMULAIC_CONTEXTS = 4  # nor one that has had fewer different neighbours than this


def neighbours(body: str | None) -> set[tuple[int, int]]:
    """(paragraph, neighbour) hash pairs, both ways, of the body's adjacent paragraphs that have a hash."""
    hashes = []
    for paragraph in paragraphs(body):
        reduced = reduce_text(paragraph)
        if len(reduced) >= MIN_PARAGRAPH:
            hashes.append(paragraph_hash(reduced))
    pairs = set()
    for a, b in zip(hashes, hashes[1:], strict=False):
        if a != b:
            pairs |= {(a, b), (b, a)}
    return pairs


def formulaic(pages_of: dict[int, int], contexts_of: dict[int, int]) -> set[int]:
    """The formulaic paragraphs of one text, given how many pages hold each of its paragraphs and how many
    different paragraphs have stood next to each, across the archive.

    Rule: a paragraph held by at least FORMULAIC_PAGES pages is formulaic when it has stood beside at least
    FORMULAIC_CONTEXTS different paragraphs, or when it is in more than twice as many pages as the text's
    typical (median) paragraph. A paragraph of an article travels with its neighbours: every copy has the
    same ones, but for the one or two a copy cut or inserted text beside (so an article republished by ten
    sites keeps its paragraphs); a sentence such as 下一步，该院将… that unrelated articles share stands
    next to something different in each. The neighbour count catches a formula in mostly formulaic notices,
    where the median is the formula's own count. Leaving a paragraph of a real copy out by mistake costs
    only that paragraph: both texts lose it."""
    if not pages_of:
        return set()
    counts = sorted(pages_of.values())
    middle = len(counts) // 2
    median = counts[middle] if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2
    return {
        h
        for h, n in pages_of.items()
        if n >= FORMULAIC_PAGES and (contexts_of.get(h, 0) >= FORMULAIC_CONTEXTS or n > 2 * median)
    }
