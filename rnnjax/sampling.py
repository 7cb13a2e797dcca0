"""Text generation from a recurrent language model with one jit-compiled loop.

The prompt is run through the model's single-step function to build the recurrent carry; then a
``lax.scan`` draws ``max_tokens`` tokens, carrying the state, with no Python loop per token.
Temperature, top-k, top-p and the end token are traced values, so one compilation serves them all:
only the batch size and ``max_tokens`` shape the compiled loop.

Conventions:
- ``temperature == 0`` is greedy decoding; ``top_k == 0`` and ``top_p == 1`` switch those filters
  off; filters apply in the order temperature, top-k, top-p (top-p on the tempered, top-k
  truncated distribution). Tokens tied with the last kept value are kept too.
- The padding and OOV ids are never generated: they are not text.
- ``end_token`` (e.g. "\\n" to draw one line at character level) ends a sample where it is
  drawn: generation stops per row (the end token is not part of the text) and later positions
  hold the padding id. Without one, every sample has ``max_tokens`` tokens.
- An empty prompt starts from the model's initial carry fed with one start token: the end token
  where there is one (what follows an end starts a new unit of text), else a newline (character
  level: the start of a line), else the padding id (the initial state of a fresh stream).
- Prompts are normalised like the training text (``data_config``); unknown tokens become OOV.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from rnnjax.data import text_normalizer
from rnnjax.errors import UserError
from rnnjax.text import Vocabulary

Array = jax.Array
PyTree = Any

_MIN_PROMPT_BUCKET = 16  # prompt buffers are padded to a power of two >= this: few compiles


class SamplingArgumentError(UserError, ValueError):
    """A sampling argument (temperature, top-k, top-p, lengths, prompts) is out of range."""


# --------------------------------------------------------------------------------------------
# Logit filters: pure functions on float[..., V], usable and testable on their own.
# --------------------------------------------------------------------------------------------


def apply_temperature(logits: Array, temperature: Array | float) -> Array:
    """Scales ``float[..., V]`` logits by ``1 / temperature``; temperature 0 keeps only the argmax.

    The greedy case is expressed as a distribution with one finite logit, so that sampling the
    result gives exactly ``argmax`` and no separate code path is needed.
    """
    logits = jnp.asarray(logits, jnp.float32)
    temperature = jnp.asarray(temperature, jnp.float32)
    vocab_size = logits.shape[-1]
    best = jnp.argmax(logits, axis=-1)[..., None]
    greedy = jnp.where(jnp.arange(vocab_size) == best, 0.0, -jnp.inf)
    safe = jnp.where(temperature > 0, temperature, 1.0)
    return jnp.where(temperature > 0, logits / safe, greedy)


# Vocabularies up to this size compare every pair of tokens in one pass ([V, V] per row);
# larger ones search the threshold digit by digit (V log V work instead of V^2).
_PAIRWISE_MAX_VOCAB = 256
# Threshold search: key bits decided per round, 2^bits - 1 candidates tried at once. Wide rounds
# suit mid-sized vocabularies (few rounds of cheap passes); one bit per round does the least work.
_SEARCH_BITS_SMALL_VOCAB, _SMALL_VOCAB = 4, 1024


def _ordered_keys(x: Array) -> Array:
    """uint32 keys that order like the float32 values ``x`` (for a threshold search)."""
    bits = jax.lax.bitcast_convert_type(jnp.asarray(x, jnp.float32), jnp.uint32)
    negative = (bits >> 31) == 1
    return jnp.where(negative, ~bits, bits | jnp.uint32(1 << 31))


def _keep_largest(values: Array, weights: Array, budget: Array) -> Array:
    """bool[..., V]: keeps entry i iff the weights of the values strictly above it sum < budget.

    So the largest values are kept until their weights reach ``budget`` (ties all kept): top-k is
    weights 1 and budget k; top-p is weights = probabilities and budget p. No sort (XLA's
    comparator sort is slow on CPUs: 14 us at V = 67, 3.3 ms at V = 10,000 here): small
    vocabularies sum over all pairs in one fused pass; larger ones build the threshold key digit
    by digit, most significant first, each round trying every next digit at once in straight-line
    code (no loop overhead per round).
    """
    if values.shape[-1] <= _PAIRWISE_MAX_VOCAB:
        above = values[..., None, :] > values[..., :, None]  # [..., i, j]: value j above value i
        return jnp.sum(jnp.where(above, weights[..., None, :], 0.0), axis=-1) < budget
    bits = _SEARCH_BITS_SMALL_VOCAB if values.shape[-1] <= _SMALL_VOCAB else 1
    keys = _ordered_keys(values)[..., None, :]  # uint32[..., 1, V]
    digits = jnp.arange(1, 1 << bits, dtype=jnp.uint32)[:, None]  # [D - 1, 1]
    threshold = jnp.zeros((*values.shape[:-1], 1, 1), jnp.uint32)  # reaches the budget (all kept)
    for shift in range(32 - bits, -1, -bits):
        candidates = threshold | (digits << shift)  # [..., D - 1, 1], increasing
        mass = jnp.sum(jnp.where(keys >= candidates, weights[..., None, :], 0.0), axis=-1)
        # The mass falls as the candidate rises: the count of digits that reach the budget is
        # the largest such digit.
        digit = jnp.sum(mass >= budget, axis=-1, dtype=jnp.uint32)[..., None, None]
        threshold = threshold | (digit << shift)
    return keys[..., 0, :] >= threshold[..., 0, :]


def top_k_filter(logits: Array, top_k: Array | int) -> Array:
    """Keeps the ``top_k`` largest of ``float[..., V]`` logits (-inf elsewhere); 0 keeps all."""
    logits = jnp.asarray(logits, jnp.float32)
    top_k = jnp.asarray(top_k, jnp.float32)
    kept = _keep_largest(logits, jnp.ones_like(logits), top_k)
    return jnp.where((top_k > 0) & ~kept, -jnp.inf, logits)


def top_p_filter(logits: Array, top_p: Array | float) -> Array:
    """Keeps the smallest set of most likely tokens whose probability mass reaches ``top_p``.

    Args:
      logits: float[..., V].
      top_p: in (0, 1]; 1 keeps every token.

    Returns:
      float[..., V], -inf outside the kept set.
    """
    logits = jnp.asarray(logits, jnp.float32)
    top_p = jnp.asarray(top_p, jnp.float32)
    probs = jax.nn.softmax(logits, axis=-1)
    kept = _keep_largest(probs, probs, top_p)
    return jnp.where((top_p < 1.0) & ~kept, -jnp.inf, logits)


def filter_logits(
    logits: Array, temperature: Array | float, top_k: Array | int, top_p: Array | float
) -> Array:
    """Temperature, then top-k, then top-p on float[..., V] logits (see the module docstring).

    ``top_k`` and ``top_p`` are scalars; a filter that is off is skipped at run time.
    """
    return switch_filters(
        top_k, top_p, lambda *on: _apply_filters(logits, temperature, top_k, top_p, *on)
    )


def switch_filters(
    top_k: Array | int, top_p: Array | float, build: Callable[[bool, bool], PyTree]
) -> PyTree:
    """Runs ``build(top_k_on, top_p_on)`` for the filters that are on, chosen at run time.

    One ``lax.switch`` over the four static combinations, placed around the whole computation
    (for the sampler: around the whole loop) so that no step branches: a branch inside a loop
    costs a device-to-host sync per step on GPUs (42 against 25 us per token on an H100).
    """
    on = [(top_k_on, top_p_on) for top_k_on in (False, True) for top_p_on in (False, True)]
    index = 2 * (jnp.asarray(top_k) > 0).astype(jnp.int32) + (jnp.asarray(top_p) < 1.0)
    return jax.lax.switch(index, [functools.partial(build, *flags) for flags in on])


def _apply_filters(
    logits: Array,
    temperature: Array | float,
    top_k: Array | int,
    top_p: Array | float,
    top_k_on: bool,
    top_p_on: bool,
) -> Array:
    """:func:`filter_logits` with the filters that are off left out of the program."""
    logits = apply_temperature(logits, temperature)
    if top_k_on:
        logits = top_k_filter(logits, top_k)
    if top_p_on:
        logits = top_p_filter(logits, top_p)
    return logits


def draw_from_logits(uniform: Array, logits: Array) -> Array:
    """One token per row of float[..., V] logits (-inf = never) by inverting the CDF.

    Args:
      uniform: float[...] in [0, 1), one per row (drawn ahead, e.g. for every step at once).
      logits: float[..., V], at least one finite per row.

    Returns:
      int32[...]. One uniform number per row instead of ``jax.random.categorical``'s V Gumbel
      draws: the same distribution, and cheaper per step on our CPU.
    """
    cdf = jnp.cumsum(jax.nn.softmax(logits, axis=-1), axis=-1)
    total = cdf[..., -1:]
    # Strictly below the total, so rounding can never pick a token past the last one with mass.
    u = jnp.minimum(uniform[..., None] * total, jnp.nextafter(total, 0.0))
    return jnp.sum(cdf <= u, axis=-1, dtype=jnp.int32)


def sample_tokens(
    key: Array,
    logits: Array,
    temperature: Array | float,
    top_k: Array | int,
    top_p: Array | float,
) -> Array:
    """Draws one token per row of float[B, V] logits after filtering; returns int32[B]."""
    uniform = jax.random.uniform(key, logits.shape[:-1])
    return draw_from_logits(uniform, filter_logits(logits, temperature, top_k, top_p))


# --------------------------------------------------------------------------------------------
# The model-driven loop.
# --------------------------------------------------------------------------------------------


def _carry_batch_axes(model: nn.Module, variables: PyTree, batch_size: int) -> PyTree:
    """The batch axis of each carry leaf (layouts differ: [B, H], [D, B, H], (c, h), ...).

    Found from the shapes of ``initial_carry`` for two batch sizes, so any carry layout works.
    """

    def shapes(size: int) -> PyTree:
        return jax.eval_shape(lambda: model.apply(variables, size, method="initial_carry"))

    def differing_axis(a: jax.ShapeDtypeStruct, b: jax.ShapeDtypeStruct) -> int:
        return next(i for i, (m, n) in enumerate(zip(a.shape, b.shape, strict=True)) if m != n)

    return jax.tree.map(differing_axis, shapes(batch_size), shapes(batch_size + 1))


def _select_rows(live: Array, new: PyTree, old: PyTree, batch_axes: PyTree) -> PyTree:
    """Per-row choice between two carries by bool[B] ``live`` (True takes ``new``)."""

    def pick(n: Array, o: Array, axis: int) -> Array:
        shape = [1] * n.ndim
        shape[axis] = live.shape[0]
        return jnp.where(live.reshape(shape), n, o)

    return jax.tree.map(pick, new, old, batch_axes)


@jax.jit(static_argnames=("model",))
def encode_prompts(
    model: nn.Module, params: PyTree, tokens: Array, lengths: Array
) -> tuple[PyTree, Array]:
    """Runs right-padded prompts through ``model.step`` from the initial carry.

    Args:
      model: a language model with ``initial_carry(batch_size)`` and ``step(tokens, carry)``.
      params: its parameters.
      tokens: int32[B, P] prompt ids, right-padded.
      lengths: int32[B] real lengths, 1 <= lengths <= P (an empty prompt is one start token).

    Returns:
      ``(carry, logits)``: the carry after each row's last prompt token and float32[B, V] logits
      of the token that follows it. Padded steps change neither.
    """
    variables = {"params": params}
    batch_size = tokens.shape[0]
    carry = model.apply(variables, batch_size, method="initial_carry")
    batch_axes = _carry_batch_axes(model, variables, batch_size)
    logits, carry = model.apply(variables, tokens[:, 0], carry, method="step")

    def advance(state, inputs):
        carry, logits = state
        position, column = inputs
        new_logits, new_carry = model.apply(variables, column, carry, method="step")
        live = position < lengths
        carry = _select_rows(live, new_carry, carry, batch_axes)
        return (carry, jnp.where(live[:, None], new_logits, logits)), None

    positions = jnp.arange(1, tokens.shape[1])
    (carry, logits), _ = jax.lax.scan(advance, (carry, logits), (positions, tokens[:, 1:].T))
    return carry, logits.astype(jnp.float32)


@jax.jit(static_argnames=("model", "max_tokens"))
def generate(
    model: nn.Module,
    params: PyTree,
    carry: PyTree,
    logits: Array,
    key: Array,
    *,
    max_tokens: int,
    temperature: Array | float,
    top_k: Array | int,
    top_p: Array | float,
    end_id: Array | int,
    banned: Array,
) -> Array:
    """Draws ``max_tokens`` tokens per row in one ``lax.scan``, carrying the recurrent state.

    The filters that are on are picked once, around the loop (:func:`switch_filters`).

    Args:
      model: the language model (static: part of the compiled program).
      params: its parameters.
      carry: the carry after the prompt (see :func:`encode_prompts`).
      logits: float32[B, V] logits of the first token to draw.
      key: a JAX PRNG key; the uniform numbers of all steps are drawn from it at once.
      max_tokens: number of tokens to draw (static: it shapes the output).
      temperature, top_k, top_p: traced filter settings (see :func:`filter_logits`).
      end_id: id that ends a row, or -1 for none (traced).
      banned: bool[V], ids never drawn (padding, OOV).

    Returns:
      int32[B, max_tokens]: drawn ids; a row's end token is kept and followed by padding (0).
    """
    variables = {"params": params}
    done = jnp.zeros(logits.shape[0], dtype=bool)
    # Every step's uniform number in one vectorised call, not one random draw per step.
    uniforms = jax.random.uniform(key, (max_tokens, logits.shape[0]))

    def loop(top_k_on: bool, top_p_on: bool) -> Array:
        def draw(state, uniform):
            carry, logits, done = state
            logits = jnp.where(banned, -jnp.inf, logits)
            filtered = _apply_filters(logits, temperature, top_k, top_p, top_k_on, top_p_on)
            token = jnp.where(done, 0, draw_from_logits(uniform, filtered))
            done = done | (token == end_id)
            logits, carry = model.apply(variables, token, carry, method="step")
            return (carry, logits.astype(jnp.float32), done), token

        return jax.lax.scan(draw, (carry, logits, done), uniforms)[1]

    return switch_filters(top_k, top_p, loop).T


def check_settings(
    *, max_tokens: int, temperature: float, top_k: int, top_p: float, num_samples: int = 1
) -> None:
    """Raises SamplingArgumentError naming the first out-of-range setting and its valid range.

    Cheap, so command lines call it before restoring a model.
    """
    if not (isinstance(temperature, int | float) and math.isfinite(temperature)) or temperature < 0:
        raise SamplingArgumentError(
            f"temperature must be a finite number >= 0 (0 = greedy), got {temperature!r}"
        )
    if not _is_count(top_k, minimum=0):
        raise SamplingArgumentError(f"top_k must be an integer >= 0 (0 = off), got {top_k!r}")
    if not (isinstance(top_p, int | float) and 0.0 < top_p <= 1.0):
        raise SamplingArgumentError(f"top_p must be in (0, 1] (1 = off), got {top_p!r}")
    if not _is_count(max_tokens, minimum=1):
        raise SamplingArgumentError(f"max_tokens must be an integer >= 1, got {max_tokens!r}")
    if not _is_count(num_samples, minimum=1):
        raise SamplingArgumentError(f"num_samples must be an integer >= 1, got {num_samples!r}")


def _is_count(value: object, *, minimum: int) -> bool:
    """True for an integer (not a bool) >= ``minimum``."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= minimum


def _prompt_buffer(
    prompts: Sequence[Sequence[int]], start_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Right-pads id lists into int32[B, P] (P a power of two) with int32[B] lengths.

    An empty prompt becomes ``[start_id]``.
    """
    rows = [list(ids) if len(ids) else [start_id] for ids in prompts]
    longest = max(len(ids) for ids in rows)
    width = max(_MIN_PROMPT_BUCKET, 1 << (longest - 1).bit_length())
    buffer = np.zeros((len(rows), width), np.int32)
    for row, ids in enumerate(rows):
        buffer[row, : len(ids)] = ids
    return buffer, np.array([len(ids) for ids in rows], np.int32)


def generate_ids(
    model: nn.Module,
    params: PyTree,
    prompts: Sequence[Sequence[int]],
    *,
    vocab_size: int,
    max_tokens: int,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int = 0,
    start_id: int = 0,
    end_id: int | None = None,
    banned_ids: Sequence[int] = (),
) -> np.ndarray:
    """Continues each prompt (a list of ids) by ``max_tokens`` drawn ids.

    Returns:
      int32[len(prompts), max_tokens]; see :func:`generate` for the end-token layout.
    """
    if not prompts:
        raise SamplingArgumentError("prompts is empty; pass at least one ([] is a valid prompt)")
    check_settings(max_tokens=max_tokens, temperature=temperature, top_k=top_k, top_p=top_p)
    tokens, lengths = _prompt_buffer(prompts, start_id)
    outside = tokens[(tokens < 0) | (tokens >= vocab_size)]
    if outside.size:
        raise SamplingArgumentError(f"prompt ids must lie in [0, {vocab_size}), got {outside[0]}")
    # numpy values go straight into the compiled calls (no eager device ops per call).
    carry, logits = encode_prompts(model, params, tokens, lengths)
    banned = np.zeros(vocab_size, bool)
    banned[list(banned_ids)] = True
    drawn = generate(
        model,
        params,
        carry,
        logits,
        jax.random.key(seed),
        max_tokens=max_tokens,
        temperature=np.float32(temperature),
        top_k=np.int32(top_k),
        top_p=np.float32(top_p),
        end_id=np.int32(-1 if end_id is None else end_id),
        banned=banned,
    )
    return np.asarray(drawn)


@dataclasses.dataclass(frozen=True)
class Sample:
    """One generated text: the prompt as given and its continuation (without the end token)."""

    prompt: str
    text: str


def _end_id(vocab: Vocabulary, end_token: str | None) -> int | None:
    """Id of ``end_token`` (which must be a text token of the vocabulary), None for no end."""
    if end_token is None:
        return None
    (end_id,) = vocab.encode_tokens([end_token])  # unknown tokens map to the OOV id
    if end_id in (vocab.pad_id, vocab.oov_id):
        raise SamplingArgumentError(
            f"end_token {end_token!r} is not a token of the vocabulary; pick one it has "
            f"(e.g. {vocab.tokens[2:5]}) or leave it unset"
        )
    return end_id


def sample(
    model: nn.Module,
    params: PyTree,
    vocab: Vocabulary,
    prompts: str | Sequence[str],
    *,
    data_config: ml_collections.ConfigDict,
    num_samples: int = 1,
    max_tokens: int = 200,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int = 0,
    end_token: str | None = None,
) -> list[Sample]:
    """Continues each prompt ``num_samples`` times with the jit-compiled sampler.

    Args:
      model: a language model with ``initial_carry`` and ``step`` (e.g. RNNLanguageModel).
      params: its parameters (``variables["params"]``).
      vocab: the training vocabulary.
      prompts: one prompt or several ("" is valid: see the module docstring).
      data_config: the training ``data`` section; prompts get the same normalisation.
      num_samples: samples per prompt.
      max_tokens: tokens drawn per sample (fewer when the end token comes first).
      temperature: >= 0; 0 is greedy.
      top_k: >= 0; 0 keeps every token.
      top_p: in (0, 1]; 1 keeps every token.
      seed: the same seed gives the same samples.
      end_token: a vocabulary token that ends a sample (None: every sample is ``max_tokens``).

    Returns:
      ``len(prompts) * num_samples`` samples, each prompt's samples together, in order.
    """
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    if not prompts:
        raise SamplingArgumentError("prompts is empty; pass at least one prompt (\"\" is valid)")
    check_settings(
        max_tokens=max_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        num_samples=num_samples,
    )
    end_id = _end_id(vocab, end_token)
    newline = vocab.encode_tokens(["\n"])[0]
    start_id = end_id if end_id is not None else newline if newline != vocab.oov_id else 0
    clean = text_normalizer(data_config)
    encoded = [vocab.encode(clean(prompt)) for prompt in prompts]
    drawn = generate_ids(
        model,
        params,
        [ids for ids in encoded for _ in range(num_samples)],  # each prompt's samples together
        vocab_size=len(vocab),
        max_tokens=max_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
        start_id=start_id,
        end_id=end_id,
        banned_ids=(vocab.pad_id, vocab.oov_id),
    )
    rows = [prompt for prompt in prompts for _ in range(num_samples)]
    return [
        Sample(prompt, vocab.decode(ids[: _text_length(ids, end_id)]))
        for prompt, ids in zip(rows, drawn, strict=True)
    ]


def _text_length(row: np.ndarray, end_id: int | None) -> int:
    """Number of ids before the first end token (all of them when there is none)."""
    if end_id is None:
        return len(row)
    ends = np.flatnonzero(row == end_id)
    return int(ends[0]) if len(ends) else len(row)
