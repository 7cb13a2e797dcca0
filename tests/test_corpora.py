"""Tests of rnnjax.data.corpora on the tiny corpora and small files the tests write (formats,
bad input), and on the real files when they are there (exact counts). Downloads are disabled or
pointed at local files: no test touches the network."""

import codecs
import csv
import gzip
import json
import pickle
import zipfile

import numpy as np
import pytest
import tiny_corpora as tiny

from rnnjax.configs import data_config
from rnnjax.data import load_corpus, load_text
from rnnjax.errors import ConfigError, DataError, MissingDataError

BBC_COUNTS = {"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}
# After dropping the exact duplicates of the default normalisation (106 of the 2,225 articles;
# 98 are byte for byte the same).
BBC_UNIQUE = {"business": 502, "entertainment": 369, "politics": 403, "sport": 501, "tech": 344}
NEWSGROUPS_TRAIN = {"alt.atheism": 480, "comp.graphics": 584, "talk.religion.misc": 377}
NEWSGROUPS_TEST = {"alt.atheism": 319, "comp.graphics": 389, "talk.religion.misc": 251}


def _cfg(data_dir, **overrides):
    cfg = data_config()
    cfg.data_dir = str(data_dir)
    cfg.download = False
    cfg.update(overrides)
    return cfg


def _own_files_cfg(data_dir, **overrides):
    """The config of the small files a test writes itself: their texts often differ only in
    digits, which normalisation strips, so deduplication is off (tested on the tiny BBC)."""
    return _cfg(data_dir, deduplicate=False, **overrides)


def _total_counts(corpus):
    counts = sum(s.class_counts(len(corpus.label_names)) for s in corpus.splits().values())
    return dict(zip(corpus.label_names, counts.tolist(), strict=True))


@pytest.fixture(scope="module")
def bbc(real_data_dir):
    return load_corpus(_cfg(real_data_dir, corpus="bbc"))


@pytest.fixture(scope="module")
def newsgroups(real_data_dir):
    return load_corpus(_cfg(real_data_dir, corpus="newsgroups"))


def test_tiny_bbc_csv_split_80_10_10_stratified(tiny_data_dir):
    corpus = load_corpus(_cfg(tiny_data_dir, corpus="bbc"))
    assert corpus.label_names == list(tiny.BBC_CLASSES)
    assert [len(s) for s in corpus.splits().values()] == [240, 30, 30]
    for split in corpus.splits().values():
        counts = split.class_counts(5)
        assert counts.max() - counts.min() <= 1  # stratified
    everything = [t for s in corpus.splits().values() for t in s.texts]
    assert len(set(everything)) == 300 and all("\n\n" in t for t in everything)
    assert corpus.duplicates_removed == tiny.BBC_DUPLICATES


def test_tiny_bbc_duplicates_dropped_before_splitting_with_stable_row_ids(tiny_data_dir):
    corpus = load_corpus(_cfg(tiny_data_dir, corpus="bbc"))
    rows = np.concatenate([s.row_ids for s in corpus.splits().values()])
    total = 5 * tiny.BBC_PER_CLASS
    # The first copy of each text is kept: rows 0..299; the repeats after them are gone.
    np.testing.assert_array_equal(np.sort(rows), np.arange(total))
    kept = load_corpus(_cfg(tiny_data_dir, corpus="bbc", deduplicate=False))
    assert kept.duplicates_removed == 0
    assert sum(len(s) for s in kept.splits().values()) == total + tiny.BBC_DUPLICATES
    raw = load_corpus(_cfg(tiny_data_dir, corpus="bbc", lowercase=False))
    assert raw.duplicates_removed == tiny.BBC_EXACT_COPIES  # capitals differ without lowercase
    texts_by_row = {
        int(r): t for s in kept.splits().values() for r, t in zip(s.row_ids, s.texts, strict=True)
    }
    for split in corpus.splits().values():
        assert [texts_by_row[int(r)] for r in split.row_ids] == split.texts
    again = load_corpus(_cfg(tiny_data_dir, corpus="bbc"))
    for ours, theirs in zip(corpus.splits().values(), again.splits().values(), strict=True):
        np.testing.assert_array_equal(ours.row_ids, theirs.row_ids)


def test_tiny_newsgroups_tarball_subset_remove_and_latin1(tiny_data_dir):
    groups = ["sci.med", "rec.autos"]
    kept = load_corpus(_cfg(tiny_data_dir, corpus="newsgroups", categories=groups))
    assert kept.label_names == sorted(groups)
    assert len(kept.train) + len(kept.validation) == 2 * tiny.NEWSGROUPS_PER_GROUP["train"]
    assert len(kept.test) == 2 * tiny.NEWSGROUPS_PER_GROUP["test"]
    assert all(t.startswith("From: ") for t in kept.test.texts)
    train = kept.train.texts + kept.validation.texts
    assert sum("Caf\xe9 au lait." in t for t in train) == 1  # Latin-1 byte decoded, not lost
    stripped = load_corpus(
        _cfg(tiny_data_dir, corpus="newsgroups", categories=groups,
             remove=("headers", "footers", "quotes"))
    )
    assert not any(t.startswith("From:") or "\n> " in t for t in stripped.test.texts)
    assert not any(t.rstrip().endswith("--") for t in stripped.test.texts)
    everything = load_corpus(_cfg(tiny_data_dir, corpus="newsgroups"))
    assert everything.label_names == sorted(tiny.NEWSGROUPS)


def test_bbc_exact_counts_and_split(bbc, real_data_dir):
    assert _total_counts(bbc) == BBC_UNIQUE
    assert bbc.duplicates_removed == 106
    assert [len(s) for s in bbc.splits().values()] == [1695, 212, 212]
    assert bbc.decode_replacements == 0
    whole = load_corpus(_cfg(real_data_dir, corpus="bbc", deduplicate=False))
    assert _total_counts(whole) == BBC_COUNTS
    assert [len(s) for s in whole.splits().values()] == [1781, 222, 222]
    verbatim = load_corpus(
        _cfg(real_data_dir, corpus="bbc", lowercase=False, strip_punctuation=False,
             strip_digits=False, collapse_whitespace=False, stopwords="none")
    )
    assert verbatim.duplicates_removed == 98
    assert bbc.train.labels.dtype == np.int32


def test_bbc_raw_tarball_matches_csv_except_the_latin1_byte(bbc, real_data_dir, tmp_path):
    (tmp_path / "bbc").mkdir()
    tarball = real_data_dir / "bbc" / "bbc-fulltext.tar.gz"
    (tmp_path / "bbc" / "bbc-fulltext.tar.gz").symlink_to(tarball)
    raw = load_corpus(_cfg(tmp_path, corpus="bbc"))
    assert _total_counts(raw) == BBC_UNIQUE
    assert raw.decode_replacements == 1  # sport/199.txt holds one Latin-1 "£"
    for ours, theirs in zip(raw.splits().values(), bbc.splits().values(), strict=True):
        different = [a for a, b in zip(ours.texts, theirs.texts, strict=True) if a != b]
        assert len(different) <= 1 and all("\ufffd" in t for t in different)
        np.testing.assert_array_equal(ours.labels, theirs.labels)


@pytest.mark.parametrize("layout", ["folder", "zip"])
def test_bbc_raw_folder_and_publisher_zip(tmp_path, layout):
    files = {
        f"bbc/{c}/{i:03d}.txt": f"{c} story {i}\n\nbody"
        for c in ("sport", "tech")
        for i in range(1, 11)
    }
    root = tmp_path / "data"
    if layout == "folder":
        for name, text in files.items():
            (root / "bbc" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "bbc" / name).write_text(text)
    else:
        (root / "bbc").mkdir(parents=True)
        with zipfile.ZipFile(root / "bbc" / "bbc-fulltext.zip", "w") as archive:
            for name, text in files.items():
                archive.writestr(name, text)
    corpus = load_corpus(
        _own_files_cfg(root, corpus="bbc", validation_fraction=0.2, test_fraction=0.2)
    )
    assert _total_counts(corpus) == {"sport": 10, "tech": 10}
    assert all(
        t.startswith(corpus.label_names[y])
        for t, y in zip(corpus.test.texts, corpus.test.labels, strict=True)
    )


def test_newsgroups_exact_counts(newsgroups):
    assert len(newsgroups.label_names) == 20
    assert len(newsgroups.train) + len(newsgroups.validation) == 11314
    assert len(newsgroups.test) == 7532
    train = dict(
        zip(
            newsgroups.label_names,
            (newsgroups.train.class_counts(20) + newsgroups.validation.class_counts(20)),
            strict=True,
        )
    )
    test = dict(zip(newsgroups.label_names, newsgroups.test.class_counts(20), strict=True))
    assert {k: train[k] for k in NEWSGROUPS_TRAIN} == NEWSGROUPS_TRAIN
    assert {k: test[k] for k in NEWSGROUPS_TEST} == NEWSGROUPS_TEST
    assert len(newsgroups.validation) == 1131


def test_newsgroups_categories_and_remove(newsgroups, real_data_dir):
    groups = ["sci.space", "rec.autos"]
    kept = load_corpus(
        _cfg(
            real_data_dir,
            corpus="newsgroups",
            categories=groups,
            remove=("headers", "footers", "quotes"),
        )
    )
    assert kept.label_names == sorted(groups)
    assert len(kept.test) == 394 + 396
    assert sum(t.startswith("From:") for t in kept.train.texts) < 0.01 * len(kept.train)
    assert not any("\n>" in t for t in kept.test.texts)
    assert sum(t.startswith("From:") for t in newsgroups.test.texts) > 7000


def test_newsgroups_bad_options_named(tiny_data_dir):
    with pytest.raises(ConfigError, match=r"data.categories.*'sci.spaaace'"):
        load_corpus(_cfg(tiny_data_dir, corpus="newsgroups", categories=["sci.spaaace"]))
    with pytest.raises(ConfigError, match=r"data.remove"):
        load_corpus(_cfg(tiny_data_dir, corpus="newsgroups", remove=("signatures",)))


def test_newsgroups_from_scikit_learn_cache(tmp_path, monkeypatch):
    from sklearn.datasets import load_files

    for split in ("train", "test"):
        for group in ("a.x", "b.y"):
            folder = tmp_path / "raw" / split / group
            folder.mkdir(parents=True)
            for i in range(10):
                (folder / str(i)).write_bytes(f"From: {group}\n\nbody \xe9 {i}".encode("latin-1"))
    cache = {s: load_files(tmp_path / "raw" / s, encoding="latin1") for s in ("train", "test")}
    home = tmp_path / "sklearn"
    home.mkdir()
    (home / "20news-bydate_py3.pkz").write_bytes(codecs.encode(pickle.dumps(cache), "zlib_codec"))
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    corpus = load_corpus(_cfg(tmp_path / "empty", corpus="newsgroups", validation_fraction=0.2))
    assert corpus.label_names == ["a.x", "b.y"]
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (16, 4, 20)
    assert "body é" in corpus.test.texts[0]


def test_tiny_ag_news_official_and_mini_splits(tiny_data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "no_tfds"))
    full = load_corpus(_cfg(tiny_data_dir, corpus="ag_news"))
    train, test = (4 * tiny.AG_NEWS_PER_CLASS[s] for s in ("train", "test"))
    assert [len(s) for s in full.splits().values()] == [train * 0.9, train * 0.1, test]
    mini = load_corpus(_cfg(tiny_data_dir, corpus="ag_news_mini"))
    assert [len(s) for s in mini.splits().values()] == [test * 0.8, test * 0.1, test * 0.1]
    assert sorted(t for s in mini.splits().values() for t in s.texts) == sorted(full.test.texts)
    assert any("\n" in t.split("\n", 1)[1] for t in full.train.texts)  # a backslash line break


def test_ag_news_mini_exact_counts(real_data_dir):
    corpus = load_corpus(_cfg(real_data_dir, corpus="ag_news_mini"))
    assert corpus.label_names == ["World", "Sports", "Business", "Sci/Tech"]
    assert corpus.duplicates_removed == 1  # one Business article appears twice
    assert _total_counts(corpus) == {**dict.fromkeys(corpus.label_names, 1900), "Business": 1899}
    assert [len(s) for s in corpus.splits().values()] == [6079, 760, 760]
    everything = [t for s in corpus.splits().values() for t in s.texts]
    assert "\\" not in "".join(everything)  # backslash line breaks became newlines
    assert any(t.startswith("Fears for T N pension after talks\nUnions") for t in everything)


def _write_ag_csv(path, rows):
    with (
        gzip.open(path, "wt", newline="") if path.suffix == ".gz" else path.open("w", newline="")
    ) as f:
        csv.writer(f, quoting=csv.QUOTE_ALL).writerows(rows)


def test_ag_news_from_train_and_test_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    (tmp_path / "ag_news").mkdir()
    train = [
        [str(c), f"title {c}-{i}", f"line one\\line two {i}"]
        for c in (1, 2, 3, 4)
        for i in range(10)
    ]
    _write_ag_csv(tmp_path / "ag_news" / "train.csv", train)
    _write_ag_csv(tmp_path / "ag_news" / "test.csv.gz", [["2", "t", "d"], ["4", "t2", "d2"]])
    corpus = load_corpus(_own_files_cfg(tmp_path, corpus="ag_news", validation_fraction=0.1))
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (36, 4, 2)
    assert corpus.test.labels.tolist() == [1, 3]
    assert "line one\nline two" in corpus.train.texts[0]
    _write_ag_csv(tmp_path / "ag_news" / "test.csv.gz", [["5", "t", "d"]])
    with pytest.raises(DataError, match=r"label '5'"):
        load_corpus(_own_files_cfg(tmp_path, corpus="ag_news"))


@pytest.mark.parametrize(
    ("corpus", "expected"),
    [
        ("bbc", "bbc/bbc-text.csv.gz"),
        ("newsgroups", "20newsgroups/20news-bydate.tar.gz"),
        ("ag_news", "ag_news/train.csv.gz"),
        ("ag_news_mini", "ag_news/test.csv.gz"),
        ("news_category", "news_category/News_Category_Dataset_v3.json"),
    ],
)
def test_missing_corpus_names_file_folder_and_source(tmp_path, monkeypatch, corpus, expected):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sklearn"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with pytest.raises(MissingDataError) as info:
        load_corpus(_cfg(tmp_path / "empty", corpus=corpus))
    message = str(info.value)
    assert expected in message and str(tmp_path / "empty") in message
    assert "get it from http" in message


def test_ag_news_download_tries_tfds_then_the_csvs_and_names_both(tmp_path, monkeypatch):
    """Neither prepared nor local: tfds' download first, then the CSVs'; both failures named."""
    from rnnjax.data.corpora import ag_news

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.setattr(ag_news, "TFDS_NAME", "no_such_dataset_rnnjax")  # fails offline, fast
    monkeypatch.setattr(ag_news, "_RAW_URL", (tmp_path / "nowhere").as_uri() + "/")
    with pytest.raises(MissingDataError) as info:
        load_corpus(_cfg(tmp_path / "empty", corpus="ag_news_mini", download=True))
    message = str(info.value)
    assert "ag_news/test.csv.gz" in message and "nowhere/test.csv" in message
    assert "tensorflow-datasets no_such_dataset_rnnjax: " in message


def test_news_category_json_lines(tmp_path):
    rows = [
        {"headline": f"H{i}", "short_description": f"d{i}", "category": c, "date": "x"}
        for c in ("POLITICS", "SPORTS")
        for i in range(10)
    ]
    (tmp_path / "news_category").mkdir()
    path = tmp_path / "news_category" / "News_Category_Dataset_v2.json"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    corpus = load_corpus(_own_files_cfg(tmp_path, corpus="news_category"))
    assert corpus.label_names == ["POLITICS", "SPORTS"]
    assert _total_counts(corpus) == {"POLITICS": 10, "SPORTS": 10}
    assert all(t.startswith("H") and "\nd" in t for t in corpus.train.texts)


def test_news_category_gzipped_prefix_of_the_dataset(tiny_data_dir, tmp_path):
    lines = (tiny_data_dir / "news_category" / "News_Category_Dataset_v3.json").read_text()
    prefix = lines.splitlines()[:120]  # the first lines, as our data folder holds the first 9,999
    (tmp_path / "news_category").mkdir()
    name = "News_Category_Dataset_v3.first9999lines.json.gz"
    (tmp_path / "news_category" / name).write_bytes(gzip.compress("\n".join(prefix).encode()))
    corpus = load_corpus(_cfg(tmp_path, corpus="news_category", stopwords="none"))
    assert sum(len(s) for s in corpus.splits().values()) == 120
    assert set(corpus.label_names) == set(tiny.NEWS_CATEGORIES)


def test_real_news_category_first_9999_lines(real_data_dir):
    corpus = load_corpus(_cfg(real_data_dir, corpus="news_category"))
    assert sum(len(s) for s in corpus.splits().values()) + corpus.duplicates_removed == 9999


def _write_table(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def test_csv_keeps_empty_texts_and_counts_bad_bytes(tmp_path):
    rows = [[f"text {i}", "pos" if i % 2 else "neg"] for i in range(18)] + [
        ["", "pos"],
        ["  \n ", "neg"],
    ]
    _write_table(tmp_path / "d.csv", ["body", "sentiment"], rows)
    with (tmp_path / "d.csv").open("ab") as f:
        f.write(b'"caf\xe9",pos\n"ok",neg\n')
    corpus = load_corpus(
        _own_files_cfg(
            tmp_path, corpus="csv", path="d.csv", text_column="body", label_column="sentiment"
        )
    )
    texts = [t for s in corpus.splits().values() for t in s.texts]
    assert len(texts) == 22
    assert "" in texts and "  \n " in texts and "caf\ufffd" in texts
    assert corpus.decode_replacements == 1


def test_csv_missing_column_names_column_and_columns_found(tmp_path):
    _write_table(tmp_path / "d.csv", ["body", "sentiment"], [["a", "b"]])
    with pytest.raises(DataError, match=r"no column 'text' \(columns found: body, sentiment\)"):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv", label_column="sentiment"))
    with pytest.raises(DataError, match=r"no column 'label' \(columns found: body, sentiment\)"):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv", text_column="body"))


def test_csv_written_with_a_byte_order_mark_finds_its_first_column(tmp_path):
    rows = "".join(f"t{i},{'ab'[i % 2]}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("text,label\n" + rows, encoding="utf-8-sig")  # as Excel saves
    corpus = load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv"))
    assert _total_counts(corpus) == {"a": 10, "b": 10}
    assert corpus.decode_replacements == 0


def test_table_without_examples_is_named(tmp_path):
    (tmp_path / "d.csv").write_text("text,label\n")
    with pytest.raises(DataError, match=r"d.csv: no examples, only a header row \(text, label\)"):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv"))
    (tmp_path / "d.jsonl").write_text("\n\n")
    with pytest.raises(DataError, match=r"d.jsonl: no examples"):
        load_corpus(_own_files_cfg(tmp_path, corpus="jsonl", path="d.jsonl"))


def test_separate_test_file_with_unseen_label_is_named(tmp_path):
    _write_table(
        tmp_path / "train.csv", ["text", "label"], [[f"t{i}", "ab"[i % 2]] for i in range(20)]
    )
    _write_table(tmp_path / "test.csv", ["text", "label"], [["x", "a"], ["y", "zebra"]])
    with pytest.raises(DataError, match=r"'zebra' was never seen in the training data"):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="train.csv", test_path="test.csv"))


def test_jsonl_corpus_and_missing_field(tmp_path):
    lines = [json.dumps({"t": f"x{i}", "y": i % 2}) for i in range(20)]
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n\n")
    corpus = load_corpus(
        _own_files_cfg(tmp_path, corpus="jsonl", path="d.jsonl", text_column="t", label_column="y")
    )
    assert corpus.label_names == ["0", "1"]
    with pytest.raises(DataError, match=r"line 1 has no field 'text' \(fields found: t, y\)"):
        load_corpus(_own_files_cfg(tmp_path, corpus="jsonl", path="d.jsonl", label_column="y"))


def test_text_corpus_and_classification_texts_as_one_stream(tiny_data_dir):
    path = tiny_data_dir / "shakespeare" / "input.txt.gz"
    text, replaced = load_text(_cfg(tiny_data_dir, corpus="text", path="shakespeare/input.txt.gz"))
    assert text == gzip.decompress(path.read_bytes()).decode() and replaced == 0
    bbc = load_corpus(_cfg(tiny_data_dir, corpus="bbc"))
    joined, _ = load_text(_cfg(tiny_data_dir, corpus="bbc"))
    assert joined == "\n\n".join(t for s in bbc.splits().values() for t in s.texts)
    with pytest.raises(ConfigError, match=r"no labels"):
        load_corpus(_cfg(tiny_data_dir, corpus="text", path="shakespeare/input.txt.gz"))


def test_real_shakespeare_text(real_data_dir):
    text, replaced = load_text(_cfg(real_data_dir, corpus="text", path="shakespeare/input.txt.gz"))
    assert (len(text), replaced) == (1115394, 0)
    assert text.startswith("First Citizen:\nBefore we proceed")


def test_max_train_examples_subsamples_train_only(tiny_data_dir):
    corpus = load_corpus(_cfg(tiny_data_dir, corpus="ag_news_mini", max_train_examples=40))
    assert len(corpus.train) == 40 and len(corpus.test) == 20
    np.testing.assert_array_equal(corpus.train.class_counts(4), [10] * 4)


def test_ag_news_from_prepared_tensorflow_datasets(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    marker = tmp_path / "tfds" / "ag_news_subset" / "1.0.0" / "dataset_info.json"
    marker.parent.mkdir(parents=True)
    marker.write_text("{}")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    tiny.write_stopwords_zip(tmp_path / "no_csv" / "nltk_data")  # deduplication normalises
    with tfds.testing.mock_data(num_examples=40):  # tfds' own stand-in for prepared files
        corpus = load_corpus(_cfg(tmp_path / "no_csv", corpus="ag_news"))
        mini = load_corpus(
            _cfg(
                tmp_path / "no_csv",
                corpus="ag_news_mini",
                test_fraction=0.2,
                validation_fraction=0.2,
            )
        )
    assert (len(corpus.train), len(corpus.validation), len(corpus.test)) == (36, 4, 40)
    assert len(mini.train) + len(mini.validation) + len(mini.test) == 40
    assert all("\n" in t for t in corpus.train.texts)  # title and description joined
    assert set(corpus.test.labels.tolist()) <= {0, 1, 2, 3}


def test_empty_label_is_named_or_dropped_when_asked(tmp_path, caplog):
    rows = [[f"t{i}", "ab"[i % 2]] for i in range(20)]
    rows.insert(5, ["multi\nline", " "])
    _write_table(tmp_path / "d.csv", ["text", "label"], rows)
    with pytest.raises(
        DataError,
        match=r"d.csv: row 6 \(ending on line 8\) has an empty label in column 'label'; .*"
        r"data.drop_empty_labels=True",
    ):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv"))
    with caplog.at_level("WARNING"):
        corpus = load_corpus(
            _own_files_cfg(tmp_path, corpus="csv", path="d.csv", drop_empty_labels=True)
        )
    assert _total_counts(corpus) == {"a": 10, "b": 10}
    assert "dropped 1 row(s) with an empty 'label' label" in caplog.text

    lines = [json.dumps({"text": f"x{i}", "y": "ab"[i % 2]}) for i in range(20)]
    lines[2:2] = [json.dumps({"text": "null", "y": None}), json.dumps({"text": "empty", "y": ""})]
    (tmp_path / "d.jsonl").write_text("\n".join(lines))
    jsonl = dict(corpus="jsonl", path="d.jsonl", label_column="y")
    with pytest.raises(DataError, match=r"d.jsonl: line 3 has an empty label in column 'y'"):
        load_corpus(_own_files_cfg(tmp_path, **jsonl))
    corpus = load_corpus(_own_files_cfg(tmp_path, **jsonl, drop_empty_labels=True))
    assert _total_counts(corpus) == {"a": 10, "b": 10}


def test_corpus_too_small_for_its_split_says_what_each_split_would_get(tmp_path):
    _write_table(tmp_path / "d.csv", ["text", "label"], [["w x", "a"], ["y", "b"]] * 2)
    with pytest.raises(
        DataError,
        match=r"4 examples are too few for data.validation_fraction=0.1 and "
        r"data.test_fraction=0.1: the splits would get 4 train, 0 validation, 0 test",
    ):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv"))
    _write_table(tmp_path / "test.csv", ["text", "label"], [["z", "a"]])
    with pytest.raises(DataError, match=r"the splits would get 4 train, 0 validation example"):
        load_corpus(_own_files_cfg(tmp_path, corpus="csv", path="d.csv", test_path="test.csv"))
