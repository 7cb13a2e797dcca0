"""From a ``data`` config to model-ready ids: load the corpus, normalise, fit the vocabulary on
the training split only, encode every split."""

from __future__ import annotations

import collections
import dataclasses
import functools
from collections.abc import Callable, Sequence

import ml_collections
import numpy as np

from rnnjax.data.corpora import load_corpus, load_text
from rnnjax.data.corpora.plaintext import DOCUMENT_SEPARATOR
from rnnjax.data.duplicates import DuplicateCounts, count_duplicates
from rnnjax.data.sources import data_dir
from rnnjax.data.validation import validate_data_config
from rnnjax.errors import ConfigError
from rnnjax.text import LabelEncoder, Vocabulary, load_stopwords, normalize, tokenize

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass(frozen=True)
class EncodedSplit:
    """One split as token ids: ``ids[i]`` is ``int32[len_i]``, ``labels`` is ``int32[N]``,
    ``texts`` are the raw texts (for reports, error analysis and baselines) and ``row_ids``
    ``int64[N]`` the corpus rows they came from (see rnnjax.data.splits.Split)."""

    ids: list[np.ndarray]
    labels: np.ndarray
    texts: list[str]
    row_ids: np.ndarray
    _padded: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    def lengths(self) -> np.ndarray:
        """``int32[N]``: tokens per example before truncation."""
        return np.fromiter((len(x) for x in self.ids), dtype=np.int32, count=len(self.ids))

    def padded(self, max_len: int, padding: str = "post", truncating: str = "post"):
        """Returns (``int32[N, max_len]`` ids truncated and padded with 0, ``int32[N]`` lengths
        after truncation); cached, as every epoch's batches are cut from it."""
        key = (max_len, padding, truncating)
        if key not in self._padded:
            self._padded[key] = pad_ids(self.ids, max_len, padding, truncating)
        return self._padded[key]


@dataclasses.dataclass(frozen=True)
class ClassificationData:
    """A classification corpus ready for training: vocabulary, labels, encoded splits and the
    corpus's exact duplicates."""

    vocab: Vocabulary
    labels: LabelEncoder
    splits: dict[str, EncodedSplit]
    duplicates: DuplicateCounts
    decode_replacements: int = 0

    def row_ids(self) -> dict[str, list[int]]:
        """Split name -> the corpus rows of its examples, in order (written to a workdir)."""
        return {name: split.row_ids.tolist() for name, split in self.splits.items()}


@dataclasses.dataclass(frozen=True)
class LanguageModelData:
    """A token stream split contiguously: ``splits[name]`` is ``int32[N_tokens]``.

    ``row_ids`` (pretraining only): ``{"train": [...]}``, the classification corpus rows whose
    texts the stream holds (its training split's; never a validation or test row).
    """

    vocab: Vocabulary
    splits: dict[str, np.ndarray]
    decode_replacements: int = 0
    row_ids: dict[str, list[int]] | None = None


def pad_ids(
    ids: Sequence[np.ndarray], max_len: int, padding: str = "post", truncating: str = "post"
) -> tuple[np.ndarray, np.ndarray]:
    """Truncates and pads each id sequence to ``max_len`` like Keras' ``pad_sequences``.

    Returns ``int32[N, max_len]`` (0 = padding) and ``int32[N]`` lengths after truncation.
    """
    out = np.zeros((len(ids), max_len), dtype=np.int32)
    lengths = np.zeros(len(ids), dtype=np.int32)
    for i, seq in enumerate(ids):
        seq = seq[:max_len] if truncating == "post" else seq[max(len(seq) - max_len, 0) :]
        n = len(seq)
        lengths[i] = n
        if n:
            if padding == "post":
                out[i, :n] = seq
            else:
                out[i, max_len - n :] = seq
    return out, lengths


def text_normalizer(data_cfg: ml_collections.ConfigDict) -> Callable[[str], str]:
    """The normalisation ``data`` asks for (switches and stopword list), as one function."""
    return functools.partial(
        normalize,
        lowercase=data_cfg.lowercase,
        strip_punctuation=data_cfg.strip_punctuation,
        strip_digits=data_cfg.strip_digits,
        collapse_whitespace=data_cfg.get("collapse_whitespace", True),
        stopwords=stopwords_for(data_cfg),
    )


def stopwords_for(data_cfg: ml_collections.ConfigDict) -> frozenset[str]:
    """``data.stopwords``'s list; NLTK's is also looked for in ``<data dir>/nltk_data`` and
    downloaded there when it is nowhere and ``data.download`` allows it."""
    nltk_dir = data_dir(data_cfg) / "nltk_data"
    return load_stopwords(
        data_cfg.stopwords,
        nltk_dirs=(nltk_dir,),
        download_to=nltk_dir if data_cfg.get("download", True) else None,
    )


def encode_texts(
    texts: Sequence[str], data_cfg: ml_collections.ConfigDict, vocab: Vocabulary
) -> list[np.ndarray]:
    """Raw texts -> ``int32[len_i]`` ids with the training normalisation (used by predict)."""
    clean = text_normalizer(data_cfg)
    return [np.asarray(vocab.encode(clean(t)), dtype=np.int32) for t in texts]


def prepare_classification(
    data_cfg: ml_collections.ConfigDict, vocab: Vocabulary | None = None
) -> ClassificationData:
    """Loads ``data.corpus`` and encodes it; the vocabulary sees the training split only.

    ``vocab`` (a pretrained language model's) is used instead of fitting one.
    """
    validate_data_config(data_cfg)
    corpus = load_corpus(data_cfg)
    clean = text_normalizer(data_cfg)
    normalised = {name: [clean(t) for t in split.texts] for name, split in corpus.splits().items()}
    if vocab is None:
        vocab = Vocabulary.fit(
            normalised["train"],
            max_words=data_cfg.max_words,
            min_freq=data_cfg.min_freq,
            level=data_cfg.level,
        )
    elif vocab.level != data_cfg.level:
        raise ConfigError(
            f"the pretrained vocabulary is {vocab.level}-level but data.level={data_cfg.level!r}; "
            f"set data.level={vocab.level!r} or pretrain at {data_cfg.level!r} level"
        )
    splits = {
        name: EncodedSplit(
            [np.asarray(vocab.encode(t), dtype=np.int32) for t in normalised[name]],
            split.labels,
            split.texts,
            split.row_ids,
        )
        for name, split in corpus.splits().items()
    }
    return ClassificationData(
        vocab,
        LabelEncoder(corpus.label_names),
        splits,
        count_duplicates(normalised, corpus.duplicates_removed),
        corpus.decode_replacements,
    )


def pretraining_texts(
    data_cfg: ml_collections.ConfigDict, extra_corpora: Sequence[str]
) -> tuple[list[str], list[str], np.ndarray, int]:
    """The raw texts a pretraining language model may read, for the split ``data`` selects:
    every text of each of ``extra_corpora``, and ``data.corpus``'s training split (never its
    validation or test texts). Returns the extra texts, the training texts, the training
    split's row ids and the count of replaced invalid UTF-8 sequences."""
    extra_texts, replaced = [], 0
    for name in extra_corpora:
        if name == data_cfg.corpus:
            raise ConfigError(
                f"pretrain.extra_corpora names data.corpus {name!r}: its validation and test "
                "texts would reach the language model; its training split is used already"
            )
        extra_cfg = ml_collections.ConfigDict(data_cfg.to_dict())
        extra_cfg.update(corpus=name, path="", test_path="", categories=(), max_train_examples=0)
        extra = load_corpus(extra_cfg)
        extra_texts += [t for split in extra.splits().values() for t in split.texts]
        replaced += extra.decode_replacements
    train = load_corpus(data_cfg)
    replaced += train.decode_replacements
    return extra_texts, list(train.train.texts), train.train.row_ids, replaced


def prepare_language_model(
    data_cfg: ml_collections.ConfigDict, pretrain_cfg: ml_collections.ConfigDict | None = None
) -> LanguageModelData:
    """Tokenises the text stream (characters or words), splits it contiguously into train,
    validation and test by ``data.validation_fraction``/``data.test_fraction`` (test last), fits
    the vocabulary on the train part and encodes all three.

    With ``pretrain_cfg`` (the ``pretrain`` section of a pretraining run) the stream is the
    extra corpora's texts then the training split's (:func:`pretraining_texts`); its last
    ``pretrain.validation_fraction`` validates, nothing is held out to test (the classifier's
    test split is the test), and the vocabulary is the one the classifier would fit itself:
    from the whole training split, so extra corpora add context but no tokens.
    """
    validate_data_config(data_cfg)
    clean = text_normalizer(data_cfg)
    if pretrain_cfg is None:
        text, replaced = load_text(data_cfg)
        tokens = tokenize(clean(text), data_cfg.level)
        fractions = data_cfg.validation_fraction, data_cfg.test_fraction
        counted, row_ids = None, None
    else:
        extra, train, rows, replaced = pretraining_texts(data_cfg, pretrain_cfg.extra_corpora)
        train_tokens = tokenize(clean(DOCUMENT_SEPARATOR.join(train)), data_cfg.level)
        extra_tokens = tokenize(clean(DOCUMENT_SEPARATOR.join(extra)), data_cfg.level)
        tokens = extra_tokens + train_tokens
        fractions = pretrain_cfg.validation_fraction, 0.0
        counted, row_ids = train_tokens, {"train": rows.tolist()}
    n = len(tokens)
    n_validation, n_test = (round(n * fraction) for fraction in fractions)
    bounds = {
        "train": (0, n - n_test - n_validation),
        "validation": (n - n_test - n_validation, n - n_test),
        "test": (n - n_test, n),
    }
    vocab = Vocabulary.from_counts(
        collections.Counter(tokens[: bounds["train"][1]] if counted is None else counted),
        max_words=data_cfg.max_words,
        min_freq=data_cfg.min_freq,
        level=data_cfg.level,
    )
    ids = np.asarray(vocab.encode_tokens(tokens), dtype=np.int32)
    splits = {name: ids[start:stop] for name, (start, stop) in bounds.items()}
    return LanguageModelData(vocab, splits, replaced, row_ids)
