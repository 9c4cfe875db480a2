"""Change forensics: quality and speed of ``crawler.edits.classify_edits`` on pairs built from real pages.

.venv/bin/python bench/edits_bench.py [CORPUS_DIR ...] [--seed N] [--pairs-per-page N] [--show-misses N]

How the pairs are built (nothing of the corpus is copied into the project; it is read at run time):

1. Every page of the corpus folders (``../shared/corpus/*/pages``, the HTML named in ``truth.jsonl``) is
   extracted with the project's own ``crawler.extract.extract_bytes``, as the crawler would; pages refused
   or with fewer than three paragraphs are skipped. The extracted title, body, published, source_name,
   author and editor are the OLD version.
2. Each page gives ``--pairs-per-page`` pairs (default 8), seeded (``--seed``, default 27), so a run is
   reproducible and another seed is a set of pairs never looked at. A pair is cosmetic-only with chance
   0.15 (one or two cosmetic operations); otherwise it gets one to three operations of different kinds,
   drawn among those the page allows (a page without a date in its text cannot have ``date_changed``), and
   with chance 0.2 a cosmetic operation besides.
3. The operations, each the edit it is labelled with and nothing else:
   - metadata: ``title_changed`` (words appended, replaced or cut), ``published_changed`` (another day or
     time), ``source_changed`` / ``author_changed`` / ``editor_changed`` (another value, or one set where none
     was);
   - ``paragraph_added`` (a paragraph of another page inserted), ``paragraph_removed``, ``paragraph_moved``
     (two or more places away); ``sentence_added`` (a sentence of another page put between two sentences),
     ``sentence_removed`` (from a paragraph of two or more sentences);
   - ``sentence_edited``: in a sentence, two to four Chinese characters replaced by other words, words
     inserted, or cut, away from digits, Chinese numerals and date characters, in a paragraph where this
     bench finds no name (surname characters are not avoided: a word such as 高度 may be the one replaced);
   - ``number_changed``: an Arabic number changed, 余 or 多 put before its unit, or a Chinese numeral before a
     unit (三年 → 五年);
   - ``date_changed``: the day or month of a date in the text moved;
   - ``name_masked`` / ``name_changed``: a person's name (found by this bench's own list of titles and
     verbs around names: 记者, 主任, 书记, 教授, 表示 …, wider than the classifier's) masked everywhere in the
     body (张三 → 张某, 张某某 or 张×) or replaced everywhere by another name;
   - ``cosmetic``: full-width punctuation made half-width (or back), quote style swapped (“” ↔ 「」),
     spaces or a full-width space put inside a paragraph, on paragraphs no other operation touched.
   Structural operations and word edits each lock the paragraph they touch, so two operations never land in
   the same paragraph and the labels stay true; names are applied first (they touch every occurrence).
4. Measured: macro F1 over the kinds (per kind, a pair is a true positive when the kind is in both the
   labelled and the classified set), the share of pairs whose classified kind set is exactly the labelled
   one, and ``significant`` accuracy (labelled significant = any operation other than cosmetic).
   Targets: macro F1 >= .95, exact set >= .90, significant 100%.
5. Speed: bodies of about 5,000 characters (the paragraphs of consecutive pages joined until 5,000) with
   the same operations, median milliseconds per pair of ``classify_edits`` beside difflib's plain
   ``SequenceMatcher(None, old_body, new_body).get_opcodes()`` on the same pairs. Target <= 2 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.edits import KINDS, classify_edits  # noqa: E402
from crawler.edits.text import sentences  # noqa: E402

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_TITLES = "记者|通讯员|主任|书记|教授|院长|庭长|法官|审判长|局长|市长|县长|主席|经理|董事长|同志|被告人|原告|律师|代表|委员|专家|负责人|部长|处长|科长|队长|校长|老师"
_VERBS = "表示|说|指出|介绍|认为|强调|告诉"
_NAME_PATTERNS = (
    re.compile(rf"(?:{_TITLES})([{_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(?=[，。、,：:（(]|{_VERBS})"),
    re.compile(rf"(?<=[，。：:、\s])([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})(?={_VERBS})"),
)
_NOT_GIVEN = set("的了在是和与及等对将被把从为以也都就这那此该某个们人年月日中国市县省区")
_OTHER_GIVEN = "建国志强晓明丽华海涛秀英国平伟东春梅文杰玉兰"
_WORDS = ["有关", "进一步", "依法", "切实", "积极", "全面", "认真", "充分", "各项", "相应", "及时", "广泛"]
_CN_DIGITS = "零〇一二三四五六七八九十百千万两"
_FACTY = set("0123456789" + _CN_DIGITS + "年月日号时分秒某×第元")
_DATE = re.compile(r"(\d{4}年)?(\d{1,2})月(\d{1,2})日")
_NUMBER = re.compile(r"(?<![\d.年月])(\d+(?:\.\d+)?)(?=[万亿千百]?[元人名件次个项岁户家%余多])")
_CN_TERM = re.compile(r"([一二三四五六七八九十两]+)(?=年|个月|天|万元|元)")
_WIDE = {"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"}
_SOURCES = ["最高人民法院", "北京市高级人民法院", "上海市第一中级人民法院", "人民法院报", "新华社"]
_PEOPLE = ["王晓明", "李建国", "赵丽华", "陈海涛"]


@dataclass
class Version:
    fields: dict
    paras: list[str]
    locked: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.locked = self.locked or [False] * len(self.paras)

    def as_dict(self) -> dict:
        return {**self.fields, "body": "\n".join(self.paras)}

    def free(self, rng: random.Random, test: Callable[[str], bool] = bool) -> int | None:
        choices = [i for i, p in enumerate(self.paras) if not self.locked[i] and test(p)]
        return rng.choice(choices) if choices else None


def _name_in(text: str) -> str | None:
    for pattern in _NAME_PATTERNS:
        for match in pattern.finditer(text):
            name = match.group(1)
            if not set(name[1:]) & _NOT_GIVEN and "某" not in name:
                return name
    return None


# each operation changes v in place and returns True, or returns False when the page does not allow it
def op_title(v: Version, rng: random.Random, donor: list[str]) -> bool:
    title = v.fields.get("title") or ""
    if len(title) < 4:
        return False
    choice = rng.randrange(3)
    if choice == 0:
        v.fields["title"] = title + rng.choice(["（更新）", "的最新进展", "——追踪报道"])
    elif choice == 1:
        at = rng.randrange(0, len(title) - 2)
        v.fields["title"] = title[:at] + rng.choice(["通报", "发布", "审结"]) + title[at + 2 :]
    else:
        v.fields["title"] = title[: max(2, len(title) * 2 // 3)]
    return True


def op_published(v: Version, rng: random.Random, donor: list[str]) -> bool:
    published = v.fields.get("published") or ""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})(.*)", published)
    if match:
        day = (int(match.group(3)) % 27) + 1 + rng.randrange(1)
        v.fields["published"] = f"{match.group(1)}-{match.group(2)}-{day:02d}{match.group(4)}"
        if v.fields["published"] == published:
            v.fields["published"] = f"{match.group(1)}-{match.group(2)}-28{match.group(4)}"
    else:
        v.fields["published"] = "2024-03-0" + str(rng.randrange(1, 9))
    return True


def _meta(name: str, values: list[str]) -> Callable[[Version, random.Random, list[str]], bool]:
    def op(v: Version, rng: random.Random, donor: list[str]) -> bool:
        v.fields[name] = rng.choice([x for x in values if x != v.fields.get(name)])
        return True

    return op


def op_paragraph_added(v: Version, rng: random.Random, donor: list[str]) -> bool:
    known = set(v.paras)
    candidates = [p for p in donor if len(p) >= 10 and p not in known]
    if not candidates:
        return False
    at = rng.randrange(len(v.paras) + 1)
    v.paras.insert(at, rng.choice(candidates))
    v.locked.insert(at, True)
    return True


def op_paragraph_removed(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: len(p) >= 6 and v.paras.count(p) == 1)
    if at is None or len(v.paras) < 3:
        return False
    del v.paras[at], v.locked[at]
    return True


def op_paragraph_moved(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: len(p) >= 6 and v.paras.count(p) == 1)
    if at is None or len(v.paras) < 4:
        return False
    text = v.paras.pop(at)
    v.locked.pop(at)
    targets = [t for t in range(len(v.paras) + 1) if abs(t - at) >= 2]
    to = rng.choice(targets)
    v.paras.insert(to, text)
    v.locked.insert(to, True)
    return True


def op_sentence_added(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: len(p) >= 8 and p[-1] in "。！？")
    pool = [s for p in donor for s in sentences(p) if 8 <= len(s) <= 80 and s[-1] in "。！？"]
    if at is None or not pool:
        return False
    text = v.paras[at]
    # put between two sentences where the first ends, keeping the text around it as it was
    ends = [0] + [m.end() for m in re.finditer(r"[。！？]+[”’」』）)]*", text)]
    where = rng.choice(sorted(set(ends)))
    v.paras[at], v.locked[at] = text[:where] + rng.choice(pool) + text[where:], True
    return True


def op_sentence_removed(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: len(sentences(p)) >= 2)
    if at is None:
        return False
    parts = sentences(v.paras[at])
    candidates = [i for i, s in enumerate(parts) if len(s) >= 4 and v.paras[at].count(s) == 1]
    if not candidates:
        return False
    v.paras[at], v.locked[at] = v.paras[at].replace(parts[rng.choice(candidates)], "", 1), True
    return True


def _word_window(sentence: str, rng: random.Random) -> tuple[int, int] | None:
    size = rng.randint(2, 4)
    starts = [
        i
        for i in range(1, len(sentence) - size - 1)
        if all("\u4e00" <= c <= "\u9fff" for c in sentence[i : i + size])
        and not set(sentence[i - 1 : i + size + 1]) & _FACTY
    ]
    return (s := rng.choice(starts), s + size) if starts else None


def op_sentence_edited(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: len(p) >= 15 and _name_in(p) is None)
    if at is None:
        return False
    parts = sentences(v.paras[at])
    order = [i for i, s in enumerate(parts) if len(s) >= 15]
    rng.shuffle(order)
    for index in order:
        sentence = parts[index]
        window = _word_window(sentence, rng)
        if window is None:
            continue
        start, end = window
        choice = rng.randrange(3)
        word = rng.choice([w for w in _WORDS if w != sentence[start:end]])
        if choice == 0:
            edited = sentence[:start] + word + sentence[end:]
        elif choice == 1:
            edited = sentence[:start] + word + sentence[start:]
        else:
            edited = sentence[:start] + sentence[end:]
        v.paras[at], v.locked[at] = v.paras[at].replace(sentence, edited, 1), True
        return True
    return False


def op_number(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: bool(_NUMBER.search(p) or _CN_TERM.search(p)))
    if at is None:
        return False
    text = v.paras[at]
    matches = list(_NUMBER.finditer(text))
    if matches and rng.random() < 0.75:
        match = rng.choice(matches)
        number = match.group(1)
        if rng.random() < 0.3 and text[match.end() : match.end() + 1] in "万亿千百元人名件次个项":
            new = number + rng.choice("余多")
        else:
            new = str(int(float(number)) + rng.randint(1, 9))
        text = text[: match.start()] + new + text[match.end() :]
    else:
        terms = list(_CN_TERM.finditer(text))
        if not terms:
            return False
        match = rng.choice(terms)
        new = rng.choice([d for d in "二三四五六七八九" if d != match.group(1)])
        text = text[: match.start()] + new + text[match.end() :]
    v.paras[at], v.locked[at] = text, True
    return True


def op_date(v: Version, rng: random.Random, donor: list[str]) -> bool:
    at = v.free(rng, lambda p: bool(_DATE.search(p)))
    if at is None:
        return False
    text = v.paras[at]
    match = rng.choice(list(_DATE.finditer(text)))
    day = int(match.group(3))
    new_day = day + 1 if day < 28 else day - 1
    replacement = f"{match.group(1) or ''}{match.group(2)}月{new_day}日"
    v.paras[at], v.locked[at] = text[: match.start()] + replacement + text[match.end() :], True
    return True


def _name_op(masked: bool) -> Callable[[Version, random.Random, list[str]], bool]:
    def op(v: Version, rng: random.Random, donor: list[str]) -> bool:
        names = [n for i, p in enumerate(v.paras) if not v.locked[i] and (n := _name_in(p))]
        if not names:
            return False
        name = rng.choice(names)
        if masked:
            new = name[0] + rng.choice(["某", "某某", "×"])
        else:
            new = (
                rng.choice([s for s in "王李张刘陈杨赵吴周" if s != name[0]])
                + rng.choice([_OTHER_GIVEN[i : i + 2] for i in range(0, len(_OTHER_GIVEN), 2)])[
                    : len(name) - 1
                ]
            )
        touched = [i for i, p in enumerate(v.paras) if name in p]
        if any(v.locked[i] for i in touched):
            return False
        for i in touched:
            v.paras[i], v.locked[i] = v.paras[i].replace(name, new), True
        return True

    return op


def op_cosmetic(v: Version, rng: random.Random, donor: list[str]) -> bool:
    choice = rng.randrange(4)
    if choice == 3 and (v.fields.get("title") or "") and "cosmetic-title" not in v.fields:
        title = v.fields["title"]
        v.fields["title"] = title.replace("，", ",").replace("“", "「").replace("”", "」") + " "
        if v.fields["title"].strip() != title.strip():
            return True
        v.fields["title"] = title
    at = v.free(rng, lambda p: len(p) >= 6)
    if at is None:
        return False
    text = v.paras[at]
    if choice == 0 and any(c in text for c in _WIDE):
        wide = rng.choice([c for c in _WIDE if c in text])
        text = text.replace(wide, _WIDE[wide], 1)
    elif choice == 1 and ("“" in text or "”" in text):
        text = text.replace("“", "「").replace("”", "」")
    else:
        at_char = rng.randrange(1, len(text))
        text = text[:at_char] + rng.choice([" ", "\u3000", "  "]) + text[at_char:]
    if text == v.paras[at]:
        return False
    v.paras[at] = text
    v.locked[at] = True
    return True


OPERATIONS: dict[str, Callable[[Version, random.Random, list[str]], bool]] = {
    "name_masked": _name_op(masked=True),
    "name_changed": _name_op(masked=False),
    "title_changed": op_title,
    "published_changed": op_published,
    "source_changed": _meta("source_name", _SOURCES),
    "author_changed": _meta("author", _PEOPLE),
    "editor_changed": _meta("editor", _PEOPLE),
    "paragraph_added": op_paragraph_added,
    "paragraph_removed": op_paragraph_removed,
    "paragraph_moved": op_paragraph_moved,
    "sentence_added": op_sentence_added,
    "sentence_removed": op_sentence_removed,
    "sentence_edited": op_sentence_edited,
    "number_changed": op_number,
    "date_changed": op_date,
}
assert set(OPERATIONS) | {"cosmetic"} == set(KINDS)


@dataclass
class Pair:
    old: dict
    new: dict
    kinds: set[str]


def make_pair(old: dict, rng: random.Random, donor: list[str]) -> Pair | None:
    """One labelled pair from one extracted version (see the module's rule 2)."""
    base = {k: old.get(k) for k in ("title", "published", "source_name", "author", "editor")}
    version = Version(dict(base), [p.strip() for p in (old.get("body") or "").splitlines() if p.strip()])
    applied: set[str] = set()
    if rng.random() < 0.15:
        wanted: list[str] = []
        cosmetic_count = rng.randint(1, 2)
    else:
        wanted = rng.sample(sorted(OPERATIONS), len(OPERATIONS))
        count = rng.randint(1, 3)
        cosmetic_count = 1 if rng.random() < 0.2 else 0
        wanted.sort(key=lambda k: not k.startswith("name_"))  # names first: they touch every occurrence
        chosen: list[str] = []
        for kind in wanted:
            if len(chosen) == count:
                break
            if kind.startswith("name_") and any(c.startswith("name_") for c in chosen):
                continue
            if OPERATIONS[kind](version, rng, donor):
                chosen.append(kind)
        applied |= set(chosen)
        if not chosen:
            return None
    for _ in range(cosmetic_count):
        if op_cosmetic(version, rng, donor):
            applied.add("cosmetic")
    if not applied:
        return None
    return Pair(old={**base, "body": old.get("body") or ""}, new=version.as_dict(), kinds=applied)


def load_versions(folders: list[Path]) -> list[dict]:
    """The extracted fields of every page the extractor accepts, with three paragraphs or more."""
    from crawler.extract import ExtractionError, extract_bytes

    versions = []
    for folder in folders:
        for line in (folder / "truth.jsonl").read_text("utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            try:
                article = extract_bytes(
                    (folder / entry["html"]).read_bytes(), f"http://corpus.invalid/{entry['id']}"
                )
            except ExtractionError:
                continue
            data = article.as_dict()
            body = "\n".join(p.strip() for p in (data.get("body") or "").splitlines() if p.strip())
            if body.count("\n") >= 2:
                versions.append(
                    {k: data.get(k) for k in ("title", "published", "source_name", "author", "editor")}
                    | {"body": body}
                )
    return versions


def build_pairs(versions: list[dict], seed: int, per_page: int) -> list[Pair]:
    rng = random.Random(seed)
    pairs = []
    for index, version in enumerate(versions):
        donor = versions[(index + 1) % len(versions)]["body"].splitlines()
        for _ in range(per_page):
            pair = make_pair(version, rng, donor)
            if pair is not None:
                pairs.append(pair)
    return pairs


def long_versions(versions: list[dict], size: int = 5000) -> list[dict]:
    """Bodies of about size characters: paragraphs of consecutive pages joined until size is reached."""
    result, paras = [], []
    for version in versions:
        for para in version["body"].splitlines():
            paras.append(para)
            if sum(len(p) for p in paras) >= size:
                result.append({**version, "body": "\n".join(paras)})
                paras = []
    return result


def score(pairs: list[Pair]) -> dict:
    counts: dict[str, Counter] = {k: Counter() for k in KINDS}
    exact = significant_right = 0
    misses = []
    for pair in pairs:
        report = classify_edits(pair.old, pair.new)
        found = set(report.kinds)
        for kind in KINDS:
            if kind in found and kind in pair.kinds:
                counts[kind]["tp"] += 1
            elif kind in found:
                counts[kind]["fp"] += 1
            elif kind in pair.kinds:
                counts[kind]["fn"] += 1
        exact += found == pair.kinds
        significant_right += report.significant == bool(pair.kinds - {"cosmetic"})
        if found != pair.kinds:
            misses.append((pair, report))
    per_kind = {}
    for kind, c in counts.items():
        if c["tp"] + c["fp"] + c["fn"] == 0:
            continue
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_kind[kind] = (f1, c["tp"] + c["fn"], precision, recall)
    return {
        "pairs": len(pairs),
        "macro_f1": statistics.mean(f for f, *_ in per_kind.values()),
        "exact": exact / len(pairs),
        "significant": significant_right / len(pairs),
        "per_kind": per_kind,
        "misses": misses,
    }


def speed(pairs: list[Pair]) -> tuple[float, float, int]:
    ours, plain = [], []
    for pair in pairs:
        start = time.perf_counter()
        classify_edits(pair.old, pair.new)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        SequenceMatcher(None, pair.old["body"], pair.new["body"]).get_opcodes()
        plain.append(time.perf_counter() - start)
    return statistics.median(ours) * 1000, statistics.median(plain) * 1000, len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="corpus folders (truth.jsonl + pages/)")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--pairs-per-page", type=int, default=8)
    parser.add_argument("--show-misses", type=int, default=0, help="print this many misclassified pairs")
    args = parser.parse_args()
    folders = args.folders or sorted(p for p in (ROOT.parent / "shared/corpus").glob("*") if p.is_dir())
    if not folders:
        raise SystemExit("no corpus folders found; pass CORPUS_DIR (a folder with truth.jsonl and pages/)")
    versions = load_versions(folders)
    pairs = build_pairs(versions, args.seed, args.pairs_per_page)
    result = score(pairs)
    print(
        f"edits: {result['pairs']} pairs from {len(versions)} pages of {', '.join(f.name for f in folders)} (seed {args.seed})"
    )
    print(f"  macro F1 over kinds {result['macro_f1']:.3f} (target >= .95)")
    print(f"  exact kind set      {result['exact']:.3f} (target >= .90)")
    print(f"  significant right   {result['significant']:.3f} (target 1.000)")
    for kind, (f1, support, precision, recall) in sorted(result["per_kind"].items()):
        print(f"    {kind:18} F1 {f1:.3f}  P {precision:.3f}  R {recall:.3f}  ({support} labelled)")
    for pair, report in result["misses"][: args.show_misses]:
        print("--- labelled", sorted(pair.kinds), "classified", report.kinds)
        for edit in report.edits:
            print("   ", json.dumps(edit.as_dict(), ensure_ascii=False)[:300])
    long_pairs = build_pairs(long_versions(versions), args.seed, 4)
    ours, plain, count = speed(long_pairs)
    sizes = statistics.median(len(p.old["body"]) for p in long_pairs)
    print(
        f"  speed: median {ours:.2f} ms per pair (target <= 2) beside plain SequenceMatcher {plain:.2f} ms, "
        f"{count} pairs of {sizes:,.0f}-character bodies"
    )


if __name__ == "__main__":
    main()
