"""Plain text for language modelling: a text file (``data.path``, e.g. Tiny Shakespeare), or the
documents of any classification corpus joined into one stream."""

from __future__ import annotations

import ml_collections

from rnnjax.data.sources import decode, locate, read_bytes
from rnnjax.errors import ConfigError

KNOWN_TEXTS = {  # data.path -> where to download it
    "shakespeare/input.txt.gz": (
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
    ),
}
DOCUMENT_SEPARATOR = "\n\n"


def load_text(data_cfg: ml_collections.ConfigDict) -> tuple[str, int]:
    """Returns the corpus as one string and the count of replaced invalid UTF-8 sequences.

    For ``data.corpus == "text"`` it reads ``data.path`` (``.gz`` is unpacked); for any other
    corpus it joins the texts of its train, validation and test splits in that order, so a
    contiguous split of the stream keeps test documents out of training.
    """
    if data_cfg.corpus != "text":
        from rnnjax.data.corpora import load_corpus

        corpus = load_corpus(data_cfg)
        texts = [t for split in corpus.splits().values() for t in split.texts]
        return DOCUMENT_SEPARATOR.join(texts), corpus.decode_replacements
    if not data_cfg.path:
        raise ConfigError("data.path must name the text file for corpus 'text'")
    path = data_cfg.path
    candidates = [path, path.removesuffix(".gz")] if path.endswith(".gz") else [path]
    url = KNOWN_TEXTS.get(path, "")
    found = locate(
        data_cfg,
        candidates,
        corpus="text",
        source=url or f"your own data.path {path}",
        download_url=url,
        download_to=candidates[-1],
    )
    return decode(read_bytes(found), str(found))
