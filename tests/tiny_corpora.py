"""Small corpora in each loader's real on-disk format, written by the tests themselves.

``write_data_dir(root)`` fills ``root`` the way a user's data directory looks (see README,
"Data"): a BBC ``category,text`` CSV, a 20 Newsgroups bydate tarball, the AG News CSVs, a News
Category JSON-lines file, a plain-text Shakespeare-like play and NLTK's stopwords zip. The text
is generated from a seeded random stream (so every run writes the same bytes): each class draws
part of its words from a vocabulary of its own, so a model can learn the classes, and the rest
from a Zipf-distributed shared vocabulary of made-up words, like real text's long tail.

Not a test module: the ``tiny_data_dir`` fixture in conftest.py calls it once per session.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np

BBC_CLASSES = ("business", "entertainment", "politics", "sport", "tech")
BBC_PER_CLASS = 60
NEWSGROUPS = (
    "alt.atheism", "comp.graphics", "comp.os.ms-windows.misc", "comp.sys.ibm.pc.hardware",
    "comp.sys.mac.hardware", "comp.windows.x", "misc.forsale", "rec.autos", "rec.motorcycles",
    "rec.sport.baseball", "rec.sport.hockey", "sci.crypt", "sci.electronics", "sci.med",
    "sci.space", "soc.religion.christian", "talk.politics.guns", "talk.politics.mideast",
    "talk.politics.misc", "talk.religion.misc",
)
NEWSGROUPS_PER_GROUP = {"train": 30, "test": 20}
AG_NEWS_PER_CLASS = {"train": 100, "test": 50}
NEWS_CATEGORIES = ("POLITICS", "WELLNESS", "ENTERTAINMENT", "TRAVEL", "STYLE & BEAUTY", "SPORTS")
NEWS_CATEGORY_PER_CLASS = 50
# The tiny BBC repeats BBC_EXACT_COPIES articles byte for byte and one more in capitals: the
# config's normalisation (lowercase) makes BBC_DUPLICATES exact duplicates of them.
BBC_EXACT_COPIES, BBC_DUPLICATES = 2, 3
AG_NEWS_TEST_IN_TRAIN = 1  # the first tiny AG News test row is a copy of a train row


def _split(words: str) -> list[str]:
    return words.split()


LATIN1_MESSAGE = ("train", "sci.med", 0)  # this 20NG message holds a Latin-1 byte (0xE9)
# Our own short English list in NLTK's stopwords format (NLTK's is 179 words).
STOPWORDS = _split(
    "a an and are as at be but by for from had has have he her his i in is it its of on or "
    "our she so that the their them they this to was we were which who will with you"
)
_COMMON = _split(
    "said year people new time last first world government told two week could over after "
    "more like also just many make three about than into been would there other some made "
    "being most those through still where because while before should under public number"
)
_TOPIC_WORDS = {
    "business": _split("shares market profit bank economy firm sales prices growth investors"),
    "entertainment": _split("film music star award band actor album festival director show"),
    "politics": _split("minister election party labour vote parliament tory campaign policy mps"),
    "sport": _split("match team player cup season coach goal injury league championship"),
    "tech": _split("software users mobile internet computer digital phone broadband games network"),
}


class _Words:
    """A seeded stream of words: class-specific ones, common English and a Zipf tail."""

    def __init__(self, seed: int, num_classes: int, tail_size: int = 3000):
        self.rng = np.random.default_rng(seed)
        made_up = self._made_up(tail_size + 30 * num_classes)
        self.tail = made_up[:tail_size]
        own = made_up[tail_size:]
        self.own = [own[30 * c : 30 * (c + 1)] for c in range(num_classes)]
        ranks = np.arange(1, tail_size + 1)
        p = (1.0 / ranks) / (1.0 / ranks).sum()
        self.tail_draws = iter(self.rng.choice(tail_size, size=1 << 17, p=p).tolist())

    def _made_up(self, count: int) -> list[str]:
        """``count`` made-up words of 2-3 consonant-vowel syllables (repeats are possible)."""
        consonants, vowels = np.array(list("bcdfghklmnprstvwz")), np.array(list("aeiou"))
        syllables = np.char.add(
            consonants[self.rng.integers(len(consonants), size=(count, 3))],
            vowels[self.rng.integers(len(vowels), size=(count, 3))],
        )
        lengths = self.rng.integers(2, 4, size=count)
        return ["".join(row[:n]) for row, n in zip(syllables.tolist(), lengths, strict=True)]

    def sentence(self, label: int, topic: list[str] = (), length: tuple[int, int] = (8, 16)):
        """One sentence, capitalised and ending in a full stop."""
        count = int(self.rng.integers(*length))
        kinds, picks = self.rng.random(count), self.rng.integers(0, 1 << 30, count).tolist()
        own = [*topic, *self.own[label]]
        words = []
        for kind, pick in zip(kinds, picks, strict=True):
            if kind < 0.25:
                words.append(own[pick % len(own)])
            elif kind < 0.45:
                words.append(STOPWORDS[pick % len(STOPWORDS)])
            elif kind < 0.6:
                words.append(_COMMON[pick % len(_COMMON)])
            elif kind < 0.62:
                words.append(str(2 + pick % 2000))
            else:
                words.append(self.tail[next(self.tail_draws)])
        text = " ".join(words)
        return text[0].upper() + text[1:] + ".!?."[picks[0] % 4]

    def paragraph(self, label: int, topic: list[str] = (), sentences: tuple[int, int] = (2, 5)):
        count = int(self.rng.integers(*sentences))
        return " ".join(self.sentence(label, topic) for _ in range(count))


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def _csv_bytes(rows, **options) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n", **options).writerows(rows)
    return out.getvalue().encode("utf-8")


def write_bbc(root: Path) -> Path:
    """``bbc/bbc-text.csv.gz``: header ``category,text``; title, blank line, paragraphs."""
    words = _Words(seed=0, num_classes=len(BBC_CLASSES))
    rows = [("category", "text")]
    for label, name in enumerate(BBC_CLASSES):
        for _ in range(BBC_PER_CLASS):
            title = words.sentence(label, _TOPIC_WORDS[name], length=(4, 8))[:-1]
            body = [words.paragraph(label, _TOPIC_WORDS[name]) for _ in range(4)]
            rows.append((name, "\n\n".join([title, *body])))
    copies = rows[1 : 1 + BBC_EXACT_COPIES]
    shouted = rows[1 + BBC_EXACT_COPIES]
    rows += [*copies, (shouted[0], shouted[1].upper())]
    path = root / "bbc" / "bbc-text.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_gzip(_csv_bytes(rows)))
    return path


def _newsgroup_message(words: _Words, group: str, label: int, number: int) -> str:
    topic = group.replace("-", ".").split(".")
    author = words.tail[number % len(words.tail)]
    lines = [words.sentence(label, topic) for _ in range(int(words.rng.integers(3, 7)))]
    quoted = [f"> {words.sentence(label, topic)}" for _ in range(2)]
    body = [f"In article <{number}@{author}.edu>, {author} writes:", *quoted, "", *lines]
    headers = [
        f"From: {author}@{words.tail[number % 97]}.edu ({author.title()})",
        f"Subject: {words.sentence(label, topic, length=(3, 6))[:-1]}",
        f"Organization: {words.tail[number % 89].title()} University",
        f"Lines: {len(body) + 3}",
    ]
    return "\n".join([*headers, "", *body, "", "-- ", author.title(), ""])


def write_newsgroups(root: Path) -> Path:
    """``20newsgroups/20news-bydate.tar.gz``: ``20news-bydate-{train,test}/<group>/<number>``
    messages with headers, a quoted reply and a signature, encoded Latin-1."""
    words = _Words(seed=1, num_classes=len(NEWSGROUPS))
    path = root / "20newsgroups" / "20news-bydate.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        number = 10000
        for split, count in NEWSGROUPS_PER_GROUP.items():
            for label, group in enumerate(NEWSGROUPS):
                for index in range(count):
                    number += 1
                    text = _newsgroup_message(words, group, label, number)
                    if (split, group, index) == LATIN1_MESSAGE:
                        text = text.replace("\n\n", "\n\nCaf\xe9 au lait.\n", 1)
                    data = text.encode("latin-1")
                    member = tarfile.TarInfo(f"20news-bydate-{split}/{group}/{number}")
                    member.size = len(data)
                    archive.addfile(member, io.BytesIO(data))
    path.write_bytes(_gzip(buffer.getvalue()))
    return path


def write_ag_news(root: Path) -> list[Path]:
    """``ag_news/{train,test}.csv.gz``: headerless, every field quoted, classes 1-4, title and
    description, line breaks written as a backslash (as in the original files); the first test
    row repeats a train row (AG_NEWS_TEST_IN_TRAIN)."""
    words = _Words(seed=2, num_classes=4)
    paths, train_rows = [], []
    for split, count in AG_NEWS_PER_CLASS.items():
        rows = []
        for index in range(count):
            for label in range(4):
                title = words.sentence(label, length=(4, 9))[:-1]
                description = words.paragraph(label, sentences=(1, 3))
                if index % 10 == 3:
                    description = description.replace(". ", ".\\", 1)
                rows.append((str(label + 1), title, description))
        if split == "train":
            train_rows = rows
        else:
            rows[0] = train_rows[4]  # same class (1) as the row it replaces
        path = root / "ag_news" / f"{split}.csv.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_gzip(_csv_bytes(rows, quoting=csv.QUOTE_ALL)))
        paths.append(path)
    return paths


def write_news_category(root: Path) -> Path:
    """``news_category/News_Category_Dataset_v3.json``: one JSON object per line (link,
    headline, category, short_description, authors, date), no final newline."""
    words = _Words(seed=3, num_classes=len(NEWS_CATEGORIES))
    lines = []
    for index in range(NEWS_CATEGORY_PER_CLASS):
        for label, category in enumerate(NEWS_CATEGORIES):
            headline = words.sentence(label, length=(5, 12))[:-1]
            record = {
                "link": f"https://www.huffpost.com/entry/{index}-{label}",
                "headline": headline,
                "category": category,
                "short_description": words.sentence(label),
                "authors": words.tail[index].title(),
                "date": f"2022-09-{1 + index % 28:02d}",
            }
            lines.append(json.dumps(record))
    path = root / "news_category" / "News_Category_Dataset_v3.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def write_shakespeare(root: Path, speeches: int = 1500) -> Path:
    """``shakespeare/input.txt.gz``: a play's text, speeches of ``NAME:`` and a few lines."""
    words = _Words(seed=4, num_classes=1)
    names = [words.tail[i].upper() for i in range(12)]
    parts = []
    for index in range(speeches):
        lines = [
            words.sentence(0, length=(4, 9)).replace(" ", ", ", 1)
            for _ in range(int(words.rng.integers(1, 5)))
        ]
        parts.append(f"{names[index % len(names)]}:\n" + "\n".join(lines))
    path = root / "shakespeare" / "input.txt.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_gzip(("\n\n".join(parts) + "\n").encode("ascii")))
    return path


def write_stopwords_zip(nltk_dir: Path, words: list[str] = STOPWORDS) -> Path:
    """``<nltk_dir>/corpora/stopwords.zip`` as NLTK's package holds it: ``stopwords/english``
    (one word a line) and a README."""
    path = nltk_dir / "corpora" / "stopwords.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("stopwords/README", "English stopwords written by the rnnjax tests.\n")
        archive.writestr("stopwords/english", "\n".join(words) + "\n")
    return path


def write_data_dir(root: Path) -> Path:
    """Writes every corpus above (and NLTK's stopwords) under ``root``; returns ``root``."""
    write_bbc(root)
    write_newsgroups(root)
    write_ag_news(root)
    write_news_category(root)
    write_shakespeare(root)
    write_stopwords_zip(root / "nltk_data")
    return root
