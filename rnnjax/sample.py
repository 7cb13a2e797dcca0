"""Generate text from a trained language model's workdir with the jit-compiled sampler.

    python -m rnnjax.sample --workdir runs/shakes --prompt "ROMEO:" --num_samples 4 \\
        --max_tokens 200 --temperature 0.8 --top_k 40 --top_p 0.95 --seed 0 [--json]

``--prompt`` may be repeated; each prompt gets ``--num_samples`` samples. ``--json`` prints a
list of ``{"prompt", "text"}`` objects (``text`` is the continuation); otherwise each sample is
printed as prompt + continuation, separated by a rule.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from absl import flags

from rnnjax.cli import run_cli
from rnnjax.errors import UserError

_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory of a trained language model.")
_CHECKPOINT = flags.DEFINE_string("checkpoint", "best", "best, latest or a step number.")
_PROMPT = flags.DEFINE_multi_string("prompt", [""], "Text to continue (repeatable; '' = none).")
_NUM_SAMPLES = flags.DEFINE_integer("num_samples", 1, "Samples per prompt.")
_MAX_TOKENS = flags.DEFINE_integer("max_tokens", 200, "Tokens (characters or words) per sample.")
_TEMPERATURE = flags.DEFINE_float("temperature", 1.0, "Softmax temperature; 0 = greedy.")
_TOP_K = flags.DEFINE_integer("top_k", 0, "Keep the k most likely tokens; 0 = all.")
_TOP_P = flags.DEFINE_float("top_p", 1.0, "Keep the smallest set with this mass; 1 = all.")
_SEED = flags.DEFINE_integer("seed", 0, "Random seed: the same seed gives the same text.")
_END_TOKEN = flags.DEFINE_string(
    "end_token", None, "Vocabulary token that ends a sample (e.g. a newline); default: none."
)
_JSON = flags.DEFINE_bool("json", False, "Print a JSON list of {prompt, text} objects.")
flags.mark_flag_as_required("workdir")

RULE = "-" * 40


def main(argv: Sequence[str]) -> None:
    """Restores the workdir's model and prints its samples."""
    if len(argv) > 1:
        raise UserError(f"unexpected arguments {argv[1:]}; pass prompts with --prompt")
    from rnnjax import sampling
    from rnnjax.training import restore

    sampling.check_settings(
        max_tokens=_MAX_TOKENS.value,
        temperature=_TEMPERATURE.value,
        top_k=_TOP_K.value,
        top_p=_TOP_P.value,
        num_samples=_NUM_SAMPLES.value,
    )
    restored = restore(_WORKDIR.value, _CHECKPOINT.value)
    if restored.config.model.kind != "lm":
        raise UserError(
            f"{_WORKDIR.value} holds a {restored.config.model.kind!r} model; sampling needs a "
            "language model (model.kind='lm'), e.g. configs/shakespeare_char.py"
        )
    samples = sampling.sample(
        restored.model,
        restored.params,
        restored.vocab,
        _PROMPT.value,
        data_config=restored.config.data,
        num_samples=_NUM_SAMPLES.value,
        max_tokens=_MAX_TOKENS.value,
        temperature=_TEMPERATURE.value,
        top_k=_TOP_K.value,
        top_p=_TOP_P.value,
        seed=_SEED.value,
        end_token=_END_TOKEN.value,
    )
    if _JSON.value:
        print(json.dumps([dataclasses.asdict(s) for s in samples], ensure_ascii=False))
        return
    joiner = " " if restored.vocab.level == "word" else ""
    for s in samples:
        print(joiner.join(part for part in (s.prompt, s.text) if part))
        print(RULE)


if __name__ == "__main__":
    run_cli(main)
