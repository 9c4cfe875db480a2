"""Raw bytes, stored compactly and returned exactly: the evidence of every capture.

Rules:
- bytes are stored once per sha256 digest, whatever number of captures share them;
- a recapture of a known page is compressed against that page's previous bytes (zstd with them as a raw
  dictionary): a page that differs by a view counter costs tens of bytes. A new page is compressed against
  the latest page of the same source built on the same template (the same skeleton of tags and classes at
  its top: one CMS, one layout), so only its own text costs much. A chain of such differences is at most
  ``MAX_CHAIN`` deep, so reading any capture decompresses at most that many frames. A page whose chain is
  full is not stored whole again (a page revisited for years would pay a full frame every ``MAX_CHAIN``
  visits): its bytes are stored against the ancestor at depth ``REBASE_DEPTH`` of its chain, which a
  counter-only change keeps tens of bytes; a new page leans only on a layout page at most that deep, so
  that ancestor is the page's own first capture or a later one of it;
- other bytes are compressed with their source's trained dictionary (``zstd_dicts``; trained once a
  source has ``DICT_MIN_SAMPLES`` pages, since pages of one CMS share most of their markup), else plainly;
- older archives' zlib and uncompressed blobs stay readable (`courtnews compact` re-encodes them);
- every blob is written only after decoding it again gives the exact bytes (sha256 compared).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlite_utils
import zstandard

LEVEL = 6  # zstd level: on court pages 1-2% larger than level 9 (far under 0.10× raw) for a third less time
DICT_MIN_SAMPLES = 100  # pages of a source before its dictionary is trained
DICT_SAMPLES = 400  # the most recent pages a dictionary is trained on
DICT_BYTES = 112_640  # zstd's default dictionary size
# the trainer's segment and d-mer sizes, given rather than searched for: as small on court pages (bench, corpus)
# and five times faster, so the writer does not stall the crawl for seconds when a source gets its dictionary
DICT_SEGMENT, DICT_DMER = 1024, 8
MAX_CHAIN = 16  # the most frames reading one capture decompresses
REBASE_DEPTH = MAX_CHAIN // 2  # where a full chain is continued from; the deepest base a new page gets
DELTA_WORTH = 0.5  # a delta is kept only when under this share of the dictionary-compressed size
RECENT_BASES = 32  # bytes of the last blobs kept for the next writes' bases (about 4 MB of court pages)


SKELETON_BYTES = 8192  # where a CMS's layout shows, at the top of its pages
# the scaffolding of a layout: block containers and what the head loads, with their class and id (paragraphs,
# links and inline tags belong to the article, and the article starts at the first paragraph)
_SCAFFOLD = re.compile(
    rb"<(html|head|body|link|script|div|section|header|nav|footer|main|aside|table|form|ul)\b([^>]*)>", re.I
)
_NAMES = re.compile(rb"\b(?:class|id)\s*=\s*[\"']?([^\"'>]*)", re.I)
_FIRST_PARAGRAPH = re.compile(rb"<p[\s>]", re.I)


def digest_of(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def template_key(raw: bytes, source: str | None) -> str:
    """What a page's layout looks like: its source and the containers (with class and id) above its first
    paragraph, text left out. Pages of one CMS layout share it; their articles differ below it."""
    top = raw[:SKELETON_BYTES]
    if paragraph := _FIRST_PARAGRAPH.search(top):
        top = top[: paragraph.start()]
    parts = [tag.lower() + b".".join(_NAMES.findall(attrs)) for tag, attrs in _SCAFFOLD.findall(top)]
    return hashlib.sha1((source or "").encode() + b"\0" + b" ".join(parts)).hexdigest()[:16]


class BlobError(RuntimeError):
    """Stored bytes that do not decode to their digest: the archive is damaged (courtnews verify names it)."""


@dataclass
class Codec:
    """Compression state for one connection: the dictionaries in use and how many pages each source has
    stored since the connection looked (to train a dictionary once there are enough)."""

    db: sqlite_utils.Database
    dictionaries: dict[int, zstandard.ZstdCompressionDict] = field(default_factory=dict)
    by_source: dict[str, int | None] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)
    # a compressor per dictionary (None: plain), made once: loading a dictionary costs a third of a compression
    compressors: dict[int | None, zstandard.ZstdCompressor] = field(default_factory=dict)
    # the bytes of the last blobs written or used as a base, by digest, for the next writes' bases: a new page's
    # base is usually the page just stored, and each base is read twice (to encode, then to check the frame)
    recent: OrderedDict[str, bytes] = field(default_factory=OrderedDict)

    @classmethod
    def of(cls, db: sqlite_utils.Database) -> Codec:
        codec = getattr(db, "_courtnews_codec", None)
        if codec is None:
            codec = cls(db)
            db._courtnews_codec = codec  # type: ignore[attr-defined]
        return codec

    # ------------------------------------------------------------ dictionaries
    def dictionary(self, dict_id: int) -> zstandard.ZstdCompressionDict:
        if dict_id not in self.dictionaries:
            row = self.db.execute("SELECT data FROM zstd_dicts WHERE id = ?", [dict_id]).fetchone()
            if row is None:
                raise BlobError(f"zstd dictionary {dict_id} is missing")
            self.dictionaries[dict_id] = zstandard.ZstdCompressionDict(bytes(row[0]))
        return self.dictionaries[dict_id]

    def source_dictionary(self, source: str) -> int | None:
        """The source's dictionary id, training one once the source has enough pages stored."""
        if source not in self.by_source:
            row = self.db.execute("SELECT id FROM zstd_dicts WHERE source = ?", [source]).fetchone()
            self.by_source[source] = row[0] if row else None
            if row is None:
                self.pending[source] = self._stored_pages(source)
        if self.by_source[source] is None:
            self.pending[source] = self.pending.get(source, 0) + 1
            if self.pending[source] >= DICT_MIN_SAMPLES:
                self.by_source[source] = self.train(source)
                self.pending.pop(source, None)
        return self.by_source[source]

    def _stored_pages(self, source: str) -> int:
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM captures c JOIN pages p ON p.id = c.page_id "
                "WHERE p.source = ? AND c.digest IS NOT NULL",
                [source],
            ).fetchone()[0]
        )

    def train(self, source: str) -> int | None:
        """Train and store the source's dictionary from its most recent distinct pages."""
        digests = [
            row[0]
            for row in self.db.execute(
                "SELECT DISTINCT c.digest FROM captures c JOIN pages p ON p.id = c.page_id "
                "WHERE p.source = ? AND c.digest IS NOT NULL ORDER BY c.id DESC LIMIT ?",
                [source, DICT_SAMPLES],
            )
        ]
        samples: list[bytes | bytearray | memoryview] = [self.get(d) for d in digests]
        if len(samples) < DICT_MIN_SAMPLES // 2:
            return None
        try:
            trained = zstandard.train_dictionary(
                DICT_BYTES, samples, k=DICT_SEGMENT, d=DICT_DMER, level=LEVEL
            )
        except zstandard.ZstdError:
            return None  # too little variety to learn from: plain zstd does
        cursor = self.db.execute(
            "INSERT INTO zstd_dicts (source, created_at, samples, data) VALUES (?, datetime('now'), ?, ?)",
            [source, len(samples), trained.as_bytes()],
        )
        dict_id = int(cursor.lastrowid or 0)
        self.dictionaries[dict_id] = trained
        return dict_id

    # ------------------------------------------------------------ reading
    def get(self, digest: str) -> bytes:
        """The exact bytes of a digest, following a delta chain down to its first frame."""
        chain: list[tuple[str, bytes, int | None]] = []  # (compression, data, dict id) from the top
        current: str | None = digest
        while current is not None:
            row = self.db.execute(
                "SELECT compression, data, dict_id, base FROM blobs WHERE digest = ?", [current]
            ).fetchone()
            if row is None:
                raise KeyError(f"no stored bytes for {current}")
            chain.append((row[0], bytes(row[1]), row[2]))
            current = row[3] if row[0] == "zstd-delta" else None
            if len(chain) > MAX_CHAIN + 2:
                raise BlobError(f"{digest}: delta chain longer than {MAX_CHAIN}")
        raw = b""
        for compression, data, dict_id in reversed(chain):
            raw = self._decode(compression, data, dict_id, raw)
        return raw

    def _decode(self, compression: str, data: bytes, dict_id: int | None, base: bytes) -> bytes:
        if compression == "zlib":
            return zlib.decompress(data)
        if compression in ("raw", "none", ""):
            return data
        if compression == "zstd":
            return zstandard.ZstdDecompressor().decompress(data)
        if compression == "zstd-dict":
            assert dict_id is not None
            return zstandard.ZstdDecompressor(dict_data=self.dictionary(dict_id)).decompress(data)
        if compression == "zstd-delta":
            prefix = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            return zstandard.ZstdDecompressor(dict_data=prefix).decompress(data)
        raise BlobError(f"unknown compression {compression!r}")

    # ------------------------------------------------------------ writing
    def encode(
        self, raw: bytes, source: str | None, base: str | None
    ) -> tuple[str, bytes, int | None, str | None, int]:
        """(compression, data, dict id, base digest, chain depth) for raw: the smallest of a delta against
        base (when the chain allows) and the source's dictionary (or plain zstd)."""
        dict_id = self.source_dictionary(source) if source else None
        best: tuple[str, bytes, int | None, str | None, int]
        if dict_id is not None:
            best = ("zstd-dict", self._compress(raw, dict_id), dict_id, None, 0)
        else:
            best = ("zstd", self._compress(raw, None), None, None, 0)
        if base is not None:
            base, depth = self._within_chain(base)
            if base is not None:
                delta = self._compress_delta(raw, self._base_bytes(base))
                if len(delta) < DELTA_WORTH * len(best[1]):
                    best = ("zstd-delta", delta, None, base, depth + 1)
        return best

    def _depth_and_base(self, digest: str) -> tuple[int, str | None] | None:
        row = self.db.execute("SELECT depth, base FROM blobs WHERE digest = ?", [digest]).fetchone()
        return (row[0] or 0, row[1]) if row else None

    def _within_chain(self, base: str) -> tuple[str | None, int]:
        """base and its depth; when base's chain is full, its ancestor at REBASE_DEPTH (None: no usable base)."""
        found = self._depth_and_base(base)
        if found is None:
            return None, 0
        depth, parent = found
        if depth < MAX_CHAIN:
            return base, depth
        while depth > REBASE_DEPTH:  # a full chain: walk down to the ancestor it goes on from
            if parent is None or (below := self._depth_and_base(parent)) is None:
                return None, 0
            base, (depth, parent) = parent, below
        return base, depth

    def _compress(self, raw: bytes, dict_id: int | None) -> bytes:
        if dict_id not in self.compressors:
            dictionary = self.dictionary(dict_id) if dict_id is not None else None
            self.compressors[dict_id] = zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary)
        return self.compressors[dict_id].compress(raw)

    @staticmethod
    def _compress_delta(raw: bytes, base: bytes) -> bytes:
        prefix = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        return zstandard.ZstdCompressor(level=LEVEL, dict_data=prefix).compress(raw)

    def _base_bytes(self, digest: str) -> bytes:
        """A base's bytes for writing, from the recent ones when there (a digest's bytes never change)."""
        if digest in self.recent:
            self.recent.move_to_end(digest)
            return self.recent[digest]
        raw = self.get(digest)
        self._remember(digest, raw)
        return raw

    def _remember(self, digest: str, raw: bytes) -> None:
        self.recent[digest] = raw
        if len(self.recent) > RECENT_BASES:
            self.recent.popitem(last=False)

    def put(self, raw: bytes, source: str | None = None, base: str | None = None) -> str:
        """Store raw (once per digest) and return its digest; base: the page's previous bytes' digest (for a
        new page, the latest page of the same template stands in)."""
        digest = digest_of(raw)
        if self.db.execute("SELECT 1 FROM blobs WHERE digest = ?", [digest]).fetchone():
            return digest
        (compression, data, dict_id, base_digest, depth), template = self._checked_frame(
            raw, digest, source, base
        )
        self.db.execute(
            "INSERT INTO blobs (digest, size, compression, data, dict_id, base, depth, template) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [digest, len(raw), compression, data, dict_id, base_digest, depth, template],
        )
        self._remember(digest, raw)
        return digest

    def _template_base(self, digest: str, template: str) -> str | None:
        row = self.db.execute(
            "SELECT digest FROM blobs WHERE template = ? AND compression LIKE 'zstd%' AND depth < ? "
            "ORDER BY rowid DESC LIMIT 1",
            [template, REBASE_DEPTH],
        ).fetchone()
        return row[0] if row and row[0] != digest else None

    def _checked_frame(
        self, raw: bytes, digest: str, source: str | None, base: str | None
    ) -> tuple[tuple[str, bytes, int | None, str | None, int], str | None]:
        """The frame to store raw in, after checking it decodes to raw's digest, and its layout's key. Only bytes
        stored without their page's previous bytes get a layout key: the key is looked up for new pages only,
        and the newest first capture of a layout stands in as well as a recapture would."""
        template: str | None = None
        if base is None or base == digest:
            template = template_key(raw, source)
            base = self._template_base(digest, template)
        frame = self.encode(raw, source, base)
        compression, data, dict_id, base_digest = frame[0], frame[1], frame[2], frame[3]
        decoded = self._decode(
            compression, data, dict_id, self._base_bytes(base_digest) if base_digest else b""
        )
        if decoded != raw or digest_of(decoded) != digest:
            raise BlobError(f"{digest}: the {compression} frame does not decode to the bytes it stores")
        return frame, template

    def reencode(self, digest: str, source: str | None, base: str | None) -> bool:
        """Store an existing blob in the current encoding (for `courtnews compact`); False if it already is."""
        row = self.db.execute("SELECT compression FROM blobs WHERE digest = ?", [digest]).fetchone()
        if row is None or row[0] in ("zstd", "zstd-dict", "zstd-delta"):
            return False
        raw = self.get(digest)
        (compression, data, dict_id, base_digest, depth), template = self._checked_frame(
            raw, digest, source, base
        )
        self.db.execute(
            "UPDATE blobs SET compression = ?, data = ?, dict_id = ?, base = ?, depth = ?, template = ? "
            "WHERE digest = ?",
            [compression, data, dict_id, base_digest, depth, template, digest],
        )
        return True


def put_blob(
    db: sqlite_utils.Database, raw: bytes, source: str | None = None, base: str | None = None
) -> str:
    return Codec.of(db).put(raw, source, base)


def get_blob(db: sqlite_utils.Database, digest: str) -> bytes:
    return Codec.of(db).get(digest)
