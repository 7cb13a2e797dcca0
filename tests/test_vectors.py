"""Pretrained word vectors: text formats, coverage, errors, step-0 rows, frozen embeddings."""

from __future__ import annotations

import gzip

import jax
import numpy as np
import pytest
from tiny_corpora import _COMMON, _TOPIC_WORDS
from train_helpers import SMOKE, error_line, run_module

from rnnjax.configs import classification_config
from rnnjax.errors import ConfigError, DataError, MissingDataError
from rnnjax.models import build_model
from rnnjax.text import Vocabulary
from rnnjax.text.vectors import read_vectors
from rnnjax.training import restore
from rnnjax.training.embeddings import embeddings_file
from rnnjax.training.forward import init_params
from rnnjax.training.parallel import global_batch, make_mesh
from rnnjax.training.state import initial_state_fn
from rnnjax.training.steps import compile_train_step

E = 4
VOCAB = Vocabulary(["<pad>", "<oov>", "market", "shares", "goal", "film", "rare"])
# file words: three of the vocabulary's (goal twice: the first wins), two others, and <pad>
FILE_WORDS = ["shares", "economy", "goal", "market", "goal", "<pad>", "striker"]
FILE_VECTORS = np.round(np.random.default_rng(0).normal(size=(len(FILE_WORDS), E)), 4)
WANT = {"shares": FILE_VECTORS[0], "goal": FILE_VECTORS[2], "market": FILE_VECTORS[3]}


def write_vectors(path, header: bool, dim: int = E, lines: list[str] | None = None):
    """A vector file in the GloVe (no header) or word2vec/fastText ("count dim") layout."""
    if lines is None:
        lines = [
            f"{w} " + " ".join(f"{v:.4f}" for v in vec[:dim])
            for w, vec in zip(FILE_WORDS, FILE_VECTORS, strict=True)
        ]
    text = (f"{len(lines)} {dim}\n" if header else "") + "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as out:
            out.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "header"),
    [("glove.txt", False), ("wiki.vec", True), ("glove.txt.gz", False), ("cc.vec.gz", True)],
)
def test_reads_the_vocabulary_words_rows_and_coverage(tmp_path, name, header):
    path = write_vectors(tmp_path / name, header)
    got = read_vectors(path, VOCAB, E)
    tokens = VOCAB.tokens
    assert sorted(tokens[i] for i in got.ids) == sorted(WANT)
    for i, vector in zip(got.ids, got.vectors, strict=True):
        np.testing.assert_allclose(vector, WANT[tokens[i]], rtol=1e-6)
    assert got.vectors.dtype == np.float32
    assert got.coverage() == f"embeddings: 3 of 5 vocabulary words found in {path} (60.0%)"


def test_bad_files_are_one_line_errors_naming_the_fix(tmp_path):
    with pytest.raises(MissingDataError, match=r"no file .*missing\.txt; put the vectors"):
        read_vectors(tmp_path / "missing.txt", VOCAB, E)
    wide = write_vectors(tmp_path / "wide.txt", header=False)
    fix = r"line 1 has 4-dimensional .*embed_dim=3; set --config.model.embed_dim=4"
    with pytest.raises(DataError, match=fix):
        read_vectors(wide, VOCAB, 3)
    with pytest.raises(DataError, match=r"its header has 4-dimensional .*embed_dim=8"):
        read_vectors(write_vectors(tmp_path / "h.vec", header=True), VOCAB, 8)
    short = write_vectors(tmp_path / "short.txt", False, lines=["film 1 2 3 4", "goal 1 2"])
    with pytest.raises(DataError, match=r"line 2 has 2-dimensional"):
        read_vectors(short, VOCAB, E)
    bad = write_vectors(tmp_path / "bad.txt", False, lines=["film 1 2 3 4", "goal 1 x 3 4"])
    with pytest.raises(DataError, match=r"bad\.txt line 2 is not a word and 4 numbers"):
        read_vectors(bad, VOCAB, E)


def test_path_is_under_the_data_dir_unless_absolute(tmp_path):
    config = classification_config()
    config.data.data_dir = str(tmp_path)
    config.model.embeddings_path = "vectors/glove.txt"
    assert embeddings_file(config) == tmp_path / "vectors" / "glove.txt"
    config.model.embeddings_path = "/elsewhere/glove.txt"
    assert str(embeddings_file(config)) == "/elsewhere/glove.txt"


def small_config(tmp_path, **model):
    config = classification_config()
    config.data.data_dir = str(tmp_path)
    config.model.update(embed_dim=E, hidden_size=3, dense_sizes=(), head_dropout=0.0, **model)
    return config


def test_step_zero_takes_the_vectors_and_other_rows_keep_the_init(tmp_path, capsys):
    write_vectors(tmp_path / "glove.txt", header=False)
    config = small_config(tmp_path, embeddings_path="glove.txt")
    model = build_model(config.model, vocab_size=len(VOCAB), num_classes=2)
    state = initial_state_fn(config, model, "classifier", 5, 1, vocab=VOCAB)()
    assert "embeddings: 3 of 5 vocabulary words found in" in capsys.readouterr().err
    plain = init_params(model, "classifier", 5, jax.random.split(jax.random.PRNGKey(0))[0])
    got, init = state.params["embed"]["embedding"], plain["embed"]["embedding"]
    for i, token in enumerate(VOCAB.tokens):
        np.testing.assert_allclose(got[i], WANT[token] if token in WANT else init[i], rtol=1e-6)
    # restoring (no vocabulary: shapes only) reads no file and builds the same structure
    restoring = initial_state_fn(config, model, "classifier", 5, 1)()
    np.testing.assert_array_equal(restoring.params["embed"]["embedding"], init)


@pytest.mark.parametrize("freeze", [True, False])
def test_frozen_embeddings_get_zero_updates(tmp_path, freeze):
    config = small_config(tmp_path, freeze_embeddings=freeze)
    model = build_model(config.model, vocab_size=len(VOCAB), num_classes=2)
    mesh = make_mesh(jax.devices()[:1])
    state = initial_state_fn(config, model, "classifier", 5, 1, vocab=VOCAB)()
    batch = {
        "tokens": np.array([[2, 3, 4, 0, 0], [5, 6, 2, 3, 1]], np.int32),
        "lengths": np.array([3, 5], np.int32),
        "labels": np.array([0, 1], np.int32),
        "weights": np.ones(2, np.float32),
    }
    before = jax.tree.map(np.asarray, state.params)  # the step donates ``state``
    new, _ = compile_train_step(model, mesh)(state, global_batch(batch, mesh))
    moved = jax.tree.map(lambda a, b: bool(np.any(np.asarray(a) != b)), new.params, before)
    assert moved["embed"]["embedding"] is not freeze
    assert moved["encoder"]["layer_0"]["recurrent_kernel"]


def test_frozen_embeddings_refuse_weight_decay(tmp_path):
    config = small_config(tmp_path, freeze_embeddings=True)
    config.train.update(optimizer="adamw", weight_decay=0.01)
    model = build_model(config.model, vocab_size=len(VOCAB), num_classes=2)
    with pytest.raises(ConfigError, match=r"would still decay the frozen embeddings; set"):
        initial_state_fn(config, model, "classifier", 5, 1, vocab=VOCAB)


def test_train_cli_names_a_missing_vector_file_in_one_line(tmp_path):
    result = run_module(
        "rnnjax.train", *SMOKE, "--config.model.embeddings_path=vectors/none.txt",
        "--workdir", str(tmp_path / "run"),
    )
    assert "vectors/none.txt; put the vectors" in error_line(result)


def test_a_trained_run_keeps_frozen_pretrained_rows_exactly(tmp_path):
    """End to end: fit reads the file once, the step-0 rows are the file's vectors, and after
    training (adam, gradient clipping) with freeze_embeddings they are still exactly those."""
    topics = [w for topic in _TOPIC_WORDS.values() for w in topic]
    words = list(dict.fromkeys([*topics, *_COMMON, "zzzunseen"]))
    table = np.random.default_rng(3).normal(size=(len(words), 16)).astype(np.float32)
    pairs = list(zip(words, table, strict=True))
    lines = [f"{w} " + " ".join(repr(float(v)) for v in row) for w, row in pairs]
    path = write_vectors(tmp_path / "news.vec.gz", header=True, dim=16, lines=lines)
    workdir = tmp_path / "run"
    result = run_module(
        "rnnjax.train", *SMOKE, "--config.train.epochs=1", f"--config.model.embeddings_path={path}",
        "--config.model.freeze_embeddings=True", "--workdir", str(workdir),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"vocabulary words found in {path} (" in result.stderr
    restored = restore(workdir, "latest")
    assert restored.step > 0
    embedding = np.asarray(restored.params["embed"]["embedding"])
    tokens = restored.vocab.tokens
    found = [(tokens.index(w), row) for w, row in pairs if w in tokens]
    assert len(found) > 50
    for i, row in found:
        np.testing.assert_array_equal(embedding[i], row)
