"""Corpus statistics for ``python -m rnnjax.data describe``: split and class counts, vocabulary
size, OOV rate, token length percentiles and the share of examples truncated at ``max_len``."""

from __future__ import annotations

import ml_collections
import numpy as np

from rnnjax.data.prepare import (
    SPLITS,
    ClassificationData,
    LanguageModelData,
    prepare_classification,
    prepare_language_model,
)

PERCENTILES = (50, 90, 99)


def is_language_model(config: ml_collections.ConfigDict) -> bool:
    """Whether ``config`` describes a language model (``model.kind == "lm"`` or a text corpus)."""
    return config.data.corpus == "text" or config.get("model", {}).get("kind") == "lm"


def prepare_for(config: ml_collections.ConfigDict) -> ClassificationData | LanguageModelData:
    """The encoded corpus of ``config``: language-model or classification data."""
    if is_language_model(config):
        return prepare_language_model(config.data)
    return prepare_classification(config.data)


def describe(
    config: ml_collections.ConfigDict,
    data: ClassificationData | LanguageModelData | None = None,
) -> dict:
    """Returns the statistics of ``config.data`` as a JSON-ready dict.

    Args:
      config: the experiment config.
      data: its corpus from :func:`prepare_for`, when the caller has it already.

    Returns:
      Keys ``corpus``, ``task``, ``vocab_size``, ``decode_replacements``, ``duplicates``
      (classification: {``found``, ``removed``, ``remaining``, ``test_in_train``}, see
      rnnjax.data.duplicates; None for language models) and ``splits`` ->
      {train, validation, test} -> {``num_examples``, ``class_counts``, ``oov_rate``,
      ``length_percentiles``, ``truncated_share``} for classification, or {``num_tokens``,
      ``oov_rate``} for language models (see :func:`is_language_model`).
    """
    data_cfg = config.data
    is_lm = is_language_model(config)
    data = data if data is not None else prepare_for(config)
    if is_lm:
        splits = {
            name: {"num_tokens": len(ids), "oov_rate": _oov_rate(ids, data.vocab.oov_id)}
            for name, ids in data.splits.items()
        }
    else:
        splits = {}
        for name in SPLITS:
            split = data.splits[name]
            lengths = split.lengths()
            counts = np.bincount(split.labels, minlength=len(data.labels))
            splits[name] = {
                "num_examples": len(split),
                "class_counts": {n: int(c) for n, c in zip(data.labels.names, counts, strict=True)},
                "oov_rate": _oov_rate(np.concatenate([*split.ids, []]), data.vocab.oov_id),
                "length_percentiles": {
                    str(p): float(np.percentile(lengths, p)) if len(lengths) else 0.0
                    for p in PERCENTILES
                },
                "truncated_share": float(np.mean(lengths > data_cfg.max_len))
                if len(lengths)
                else 0.0,
            }
    return {
        "corpus": data_cfg.corpus,
        "task": "language_model" if is_lm else "classification",
        "level": data_cfg.level,
        "vocab_size": len(data.vocab),
        "max_len": int(data_cfg.max_len),
        "decode_replacements": int(data.decode_replacements),
        "duplicates": None if is_lm else data.duplicates.to_json(),
        "splits": splits,
    }


def format_description(stats: dict) -> str:
    """Renders :func:`describe`'s dict as aligned plain-text tables."""
    lines = [
        f"corpus {stats['corpus']} ({stats['task']}, {stats['level']} level): vocabulary "
        f"{stats['vocab_size']} tokens incl. pad and OOV"
    ]
    if stats["decode_replacements"]:
        lines.append(f"invalid UTF-8 sequences replaced: {stats['decode_replacements']}")
    duplicates = stats["duplicates"]
    if duplicates is not None:
        lines.append(
            f"exact duplicates after normalisation: {duplicates['found']} found, "
            f"{duplicates['removed']} removed before splitting, {duplicates['remaining']} kept; "
            f"test texts also in train or validation: {duplicates['test_in_train']}"
        )
    splits = stats["splits"]
    if stats["task"] == "language_model":
        lines.append(f"{'split':<12}{'tokens':>12}{'OOV rate':>10}")
        for name, s in splits.items():
            lines.append(f"{name:<12}{s['num_tokens']:>12}{s['oov_rate']:>10.2%}")
        return "\n".join(lines)
    max_len = stats["max_len"]
    header = f"{'split':<12}{'examples':>9}{'OOV rate':>10}{'len p50':>9}{'p90':>7}{'p99':>7}"
    lines.append(header + f"  truncated at {max_len}")
    for name, s in splits.items():
        p = s["length_percentiles"]
        lines.append(
            f"{name:<12}{s['num_examples']:>9}{s['oov_rate']:>10.2%}{p['50']:>9.0f}"
            f"{p['90']:>7.0f}{p['99']:>7.0f}  {s['truncated_share']:.1%}"
        )
    names = list(splits["train"]["class_counts"])
    width = max(len("class"), *(len(n) for n in names)) + 2
    lines.append("")
    lines.append(f"{'class':<{width}}" + "".join(f"{name:>12}" for name in splits))
    for label in names:
        counts = "".join(f"{s['class_counts'][label]:>12}" for s in splits.values())
        lines.append(f"{label:<{width}}{counts}")
    return "\n".join(lines)


def _oov_rate(ids: np.ndarray, oov_id: int) -> float:
    """Share of tokens that are out of vocabulary (0 for an empty split)."""
    return float(np.mean(np.asarray(ids) == oov_id)) if len(ids) else 0.0
