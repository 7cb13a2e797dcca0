"""Tests of rnnjax.sampling: logit filters against numpy, sampled frequencies (chi-squared), the
jit-compiled loop (greedy equivalences, prompts, end tokens, seeds, one compilation).

The loop is tested with ``TinyLM``, a small Flax model with the RNNLanguageModel interface
(``initial_carry``, ``step``, ``__call__``); tests/test_sample_cli.py uses the real model.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from rnnjax import sampling
from rnnjax.configs import language_model_config
from rnnjax.text import Vocabulary

LOGITS = np.array([2.0, 1.0, 0.5, 0.0, -0.5, -1.0, -2.0, 1.5], np.float32)
NUM_DRAWS = 20000
P_VALUE_FLOOR = 1e-3  # a correct sampler fails 1 time in 1000; the seed is fixed anyway
STEP_TRACES: list[int] = []  # TinyLM.step appends its hidden size each time it is traced
# One compilation serves every filter setting (they are traced), so tests share these.
FILTER = jax.jit(sampling.filter_logits)
SAMPLE = jax.jit(sampling.sample_tokens)
TOP_K = jax.jit(sampling.top_k_filter)
TOP_P = jax.jit(sampling.top_p_filter)


class TinyLM(nn.Module):
    """Elman RNN language model; ``direction_first`` lays the carry out as [1, B, H] (a tuple
    with a [B, H] leaf too) to check that the sampler finds the batch axis of any carry."""

    vocab_size: int
    hidden: int = 8
    direction_first: bool = False

    def setup(self):
        self.embed = nn.Embed(self.vocab_size, self.hidden)
        self.recurrent = nn.Dense(self.hidden)
        self.out = nn.Dense(self.vocab_size)

    def initial_carry(self, batch_size: int):
        h = jnp.zeros((batch_size, self.hidden))
        return (h[None], jnp.zeros((batch_size, 1))) if self.direction_first else h

    def step(self, tokens, carry):
        STEP_TRACES.append(self.hidden)
        h = carry[0][0] if self.direction_first else carry
        h = jnp.tanh(self.embed(tokens) + self.recurrent(h))
        new = (h[None], carry[1] + 1) if self.direction_first else h
        return self.out(h), new

    def __call__(self, tokens, carry=None):
        carry = self.initial_carry(tokens.shape[0]) if carry is None else carry
        outputs = []
        for t in range(tokens.shape[1]):
            logits, carry = self.step(tokens[:, t], carry)
            outputs.append(logits)
        return jnp.stack(outputs, axis=1), carry


def make_model(vocab_size: int = 12, **kwargs) -> tuple[TinyLM, dict]:
    model = TinyLM(vocab_size, **kwargs)
    params = model.init(jax.random.key(0), jnp.zeros((1, 1), jnp.int32))["params"]
    # Sharper output weights: greedy paths then differ between prompts.
    params = jax.tree.map(lambda x: x * 3, params)
    return model, params


def reference_probs(logits: np.ndarray, temperature: float, top_k: int, top_p: float):
    """The filtered distribution, computed independently in numpy (no sorting tricks)."""
    if temperature == 0:
        return np.eye(len(logits))[np.argmax(logits)]
    logits = np.asarray(logits, np.float64)
    p = np.exp((logits - logits.max()) / temperature)
    p /= p.sum()
    order = np.argsort(-p, kind="stable")
    if top_k:
        p[order[top_k:]] = 0
        p /= p.sum()
    if top_p < 1:
        cumulative = np.cumsum(p[order])
        size = int(np.searchsorted(cumulative, top_p)) + 1  # first prefix whose mass >= top_p
        p[order[size:]] = 0
        p /= p.sum()
    return p


def chi_squared_p(counts: np.ndarray, probs: np.ndarray) -> float:
    """p-value of ``counts`` against ``probs`` over the tokens with non-zero probability."""
    kept = probs > 0
    expected = probs[kept] / probs[kept].sum() * counts.sum()
    return stats.chisquare(counts[kept], expected).pvalue


FILTER_CASES = [
    (1.0, 0, 1.0),
    (0.5, 0, 1.0),
    (2.0, 0, 1.0),
    (1.0, 3, 1.0),
    (1.0, 0, 0.8),
    (0.7, 5, 0.9),
    (1.3, 4, 0.6),
]


@pytest.mark.parametrize(("temperature", "top_k", "top_p"), FILTER_CASES)
def test_filter_logits_matches_numpy_reference(temperature, top_k, top_p):
    filtered = np.asarray(FILTER(LOGITS, temperature, top_k, top_p))
    probs = np.exp(filtered - filtered.max())
    probs /= probs.sum()
    np.testing.assert_allclose(probs, reference_probs(LOGITS, temperature, top_k, top_p), atol=1e-6)


@pytest.mark.parametrize(("temperature", "top_k", "top_p"), FILTER_CASES)
def test_sampled_frequencies_pass_chi_squared(temperature, top_k, top_p):
    logits = jnp.broadcast_to(LOGITS, (NUM_DRAWS, len(LOGITS)))
    tokens = SAMPLE(jax.random.key(0), logits, temperature, top_k, top_p)
    counts = np.bincount(np.asarray(tokens), minlength=len(LOGITS))
    probs = reference_probs(LOGITS, temperature, top_k, top_p)
    assert counts[probs == 0].sum() == 0, "a filtered-out token was drawn"
    assert chi_squared_p(counts, probs) > P_VALUE_FLOOR


def test_chi_squared_rejects_the_untempered_distribution():
    """The frequency test has power: T=0.5 draws are far from the T=1 distribution."""
    logits = jnp.broadcast_to(LOGITS, (NUM_DRAWS, len(LOGITS)))
    tokens = SAMPLE(jax.random.key(0), logits, 0.5, 0, 1.0)
    counts = np.bincount(np.asarray(tokens), minlength=len(LOGITS))
    assert chi_squared_p(counts, reference_probs(LOGITS, 1.0, 0, 1.0)) < 1e-6


def test_temperature_zero_and_top_k_one_are_argmax():
    logits = jax.random.normal(jax.random.key(1), (NUM_DRAWS, len(LOGITS)))
    best = np.argmax(np.asarray(logits), axis=-1)
    for temperature, top_k, top_p in [(0.0, 0, 1.0), (1.0, 1, 1.0), (2.5, 1, 0.95), (0.0, 7, 0.3)]:
        tokens = SAMPLE(jax.random.key(2), logits, temperature, top_k, top_p)
        np.testing.assert_array_equal(np.asarray(tokens), best)


def test_filters_switched_off_leave_logits_unchanged():
    np.testing.assert_array_equal(np.asarray(TOP_K(LOGITS, 0)), LOGITS)
    np.testing.assert_array_equal(np.asarray(TOP_P(LOGITS, 1.0)), LOGITS)
    np.testing.assert_array_equal(np.asarray(FILTER(LOGITS, 1.0, 0, 1.0)), LOGITS)
    assert np.isfinite(np.asarray(TOP_K(LOGITS, 100))).all()


@pytest.mark.parametrize("vocab_size", [50, 600, 2000])  # pairwise, 4-bit and 1-bit (_keep_largest)
def test_threshold_search_is_exact_on_mixed_sign_logits_with_banned_ids(vocab_size):
    """top-k/top-p kept sets (pairwise pass or digit search over float keys) against sorting."""
    rng = np.random.default_rng(0)
    logits = (rng.normal(size=(16, vocab_size)) * 10).astype(np.float32)
    logits[:, :3] = -np.inf  # banned ids
    logits[0, 10:14] = 1e30  # huge values, and ties at the top
    for k in (1, 2, 5, vocab_size - 3, vocab_size):
        kept = np.isfinite(np.asarray(TOP_K(logits, k)))
        kth = -np.sort(-logits, axis=-1)[:, k - 1 : k]
        np.testing.assert_array_equal(kept, np.isfinite(logits) & (logits >= kth))
    for p in (0.05, 0.5, 0.9, 0.999):
        kept = np.isfinite(np.asarray(TOP_P(logits, p)))
        expected = [reference_probs(row, 1.0, 0, p) > 0 for row in logits]
        np.testing.assert_array_equal(kept[1:], np.array(expected)[1:])
        assert kept[0, 10:14].all() and kept[0].sum() == 4  # the tied top four hold all mass


def test_draw_inverts_the_cdf_and_never_passes_the_last_token_with_mass():
    logits = np.array([[np.log(0.25), -np.inf, np.log(0.75), -np.inf, -np.inf]], np.float32)
    below_one = np.nextafter(np.float32(1), np.float32(0))
    for uniform, token in [(0.0, 0), (0.2499, 0), (0.2501, 2), (below_one, 2)]:
        drawn = sampling.draw_from_logits(jnp.array([uniform], jnp.float32), logits)
        assert int(drawn[0]) == token, uniform


def test_top_p_keeps_the_smallest_set_reaching_p():
    probs = np.array([0.5, 0.3, 0.15, 0.05], np.float32)
    logits = np.log(probs)
    for top_p, kept in [(0.5, 1), (0.51, 2), (0.79, 2), (0.81, 3), (0.99, 4)]:
        filtered = np.asarray(TOP_P(logits, top_p))
        assert np.isfinite(filtered).sum() == kept, top_p


def test_generation_loop_draws_fresh_tokens_with_the_filtered_distribution():
    """Every scanned step samples anew from the model's logits after filtering."""
    model, params = make_model(len(LOGITS))
    # A model whose logits ignore the input: zero weights, bias = LOGITS.
    params = jax.tree.map(jnp.zeros_like, params)
    params["out"]["bias"] = jnp.asarray(LOGITS)
    drawn = sampling.generate_ids(
        model, params, [[2]] * 50, vocab_size=len(LOGITS), max_tokens=400,
        temperature=0.7, top_k=5, top_p=0.9, seed=3,
    )
    counts = np.bincount(drawn.ravel(), minlength=len(LOGITS))
    probs = reference_probs(LOGITS, 0.7, 5, 0.9)
    assert counts[probs == 0].sum() == 0
    assert chi_squared_p(counts, probs) > P_VALUE_FLOOR


def numpy_greedy(params, prompt, max_tokens, banned=(0, 1)):
    """Independent greedy decoding of TinyLM's equations in numpy (start id 0 for no prompt)."""
    p = jax.tree.map(np.asarray, params)
    h = np.zeros(p["recurrent"]["kernel"].shape[0])
    token_ids, drawn = list(prompt) or [0], []
    for _ in range(max_tokens):
        for token in token_ids:
            h = np.tanh(p["embed"]["embedding"][token] + h @ p["recurrent"]["kernel"]
                        + p["recurrent"]["bias"])
        logits = h @ p["out"]["kernel"] + p["out"]["bias"]
        logits[list(banned)] = -np.inf
        token_ids = [int(np.argmax(logits))]
        drawn.append(token_ids[0])
    return drawn


ROWS, MAX_TOKENS = 4, 8  # shared shapes: tests reuse one compilation where they can
COMMON = dict(vocab_size=12, max_tokens=MAX_TOKENS, banned_ids=(0, 1))


@pytest.mark.parametrize("direction_first", [False, True])
def test_greedy_matches_full_recomputation_for_prompts_of_any_length(direction_first):
    """Rows of different prompt lengths (padded in one batch; one empty) decode as if alone."""
    model, params = make_model(direction_first=direction_first)
    prompts = [[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 3, 4, 5, 6, 7, 8], [5], [9, 4], []]
    batch = sampling.generate_ids(model, params, prompts, temperature=0.0, **COMMON)
    assert len({tuple(row) for row in batch}) > 1, "prompts should lead to different texts"
    for prompt, row in zip(prompts, batch, strict=True):
        assert list(row) == numpy_greedy(params, prompt, MAX_TOKENS)
    top1 = sampling.generate_ids(model, params, prompts, temperature=1.7, top_k=1, **COMMON)
    np.testing.assert_array_equal(top1, batch)


def test_same_seed_same_tokens_different_seeds_differ():
    model, params = make_model()
    first, again, other = (
        sampling.generate_ids(model, params, [[3, 4]] * ROWS, seed=seed, **COMMON)
        for seed in (5, 5, 6)
    )
    np.testing.assert_array_equal(first, again)
    assert (first != other).any()
    assert len({tuple(row) for row in first}) == ROWS, "rows of a batch are independent samples"
    assert not np.isin(first, [0, 1]).any(), "padding and OOV are never drawn"


def test_end_token_stops_each_row_and_pads_after_it():
    model, params = make_model()
    params["out"]["bias"] = params["out"]["bias"].at[7].add(2.0)  # make id 7 frequent
    drawn = sampling.generate_ids(model, params, [[2]] * ROWS, end_id=7, **COMMON)
    ended = 0
    for row in drawn:
        ends = np.flatnonzero(row == 7)
        if len(ends):
            ended += 1
            assert (row[ends[0] + 1 :] == 0).all(), row
            assert (row[: ends[0]] > 1).all()
        else:
            assert (row > 1).all()
    assert ended > 0


def test_one_compilation_for_any_temperature_top_k_top_p():
    model, params = make_model()
    before = STEP_TRACES.count(8)

    def run(temperature, top_k, top_p):
        sampling.generate_ids(
            model, params, [[2, 3]] * ROWS, vocab_size=12, max_tokens=9,  # 9: only this test
            temperature=temperature, top_k=top_k, top_p=top_p, end_id=4,
        )
        return STEP_TRACES.count(8)

    traced = run(0.8, 3, 0.9)
    assert traced > before, "the first call traces the loop (the counter works)"
    for settings in [(0.0, 0, 1.0), (1.7, 1, 0.2), (0.3, 11, 0.99), (1.0, 0, 1.0)]:
        assert run(*settings) == traced, settings


def _inner_jaxprs(eqn) -> list:
    """The jaxprs an equation holds (a scan's body, a switch's branches)."""
    found = []
    for value in eqn.params.values():
        for item in value if isinstance(value, tuple | list) else [value]:
            if hasattr(item, "eqns") or hasattr(item, "jaxpr"):
                found.append(getattr(item, "jaxpr", item))
    return found


def _equations(jaxpr, name: str) -> list:
    """Every equation of primitive ``name`` in ``jaxpr``, nested ones included."""
    found = []
    for eqn in jaxpr.eqns:
        found += [eqn] if eqn.primitive.name == name else []
        for inner in _inner_jaxprs(eqn):
            found += _equations(inner, name)
    return found


def test_generation_loop_has_no_branch_per_step():
    """The filter choice is one switch around the loop (a branch per step syncs a GPU)."""
    model, params = make_model()
    carry, logits = sampling.encode_prompts(model, params, *sampling._prompt_buffer([[2]], 0))
    jaxpr = jax.make_jaxpr(
        lambda *args: sampling.generate(
            model, *args, max_tokens=3, temperature=1.0, top_k=2, top_p=0.5, end_id=-1,
            banned=np.zeros(12, bool),
        )
    )(params, carry, logits, jax.random.key(0)).jaxpr
    (switch,) = _equations(jaxpr, "cond")
    assert len(switch.params["branches"]) == 4, "one loop per combination of top-k and top-p"
    loops = _equations(jaxpr, "scan")
    assert len(loops) == 4
    for loop in loops:
        assert not _equations(loop.params["jaxpr"].jaxpr, "cond")


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (dict(temperature=-0.5), "temperature"),
        (dict(temperature=float("nan")), "temperature"),
        (dict(top_k=-1), "top_k"),
        (dict(top_k=2.5), "top_k"),
        (dict(top_p=0.0), "top_p"),
        (dict(top_p=1.5), "top_p"),
        (dict(max_tokens=0), "max_tokens"),
        (dict(num_samples=0), "num_samples"),
    ],
)
def test_bad_settings_raise_a_clear_error(settings, named):
    full = dict(max_tokens=5, temperature=1.0, top_k=0, top_p=1.0, num_samples=1) | settings
    with pytest.raises(sampling.SamplingArgumentError, match=named):
        sampling.check_settings(**full)


# ---- text level: vocabulary, normalisation, empty and OOV prompts ---------------------------

TEXT = "to be or not to be\nthat is the question\n"


@pytest.fixture(scope="module")
def char_setup():
    vocab = Vocabulary.fit([TEXT], max_words=64, level="char")
    model, params = make_model(len(vocab))
    return model, params, vocab, dict(data_config=language_model_config().data, max_tokens=12)


def test_sample_returns_num_samples_per_prompt_in_order(char_setup):
    model, params, vocab, kwargs = char_setup
    samples = sampling.sample(
        model, params, vocab, ["to be", "question"], num_samples=3, temperature=0.9, top_k=6,
        seed=1, **kwargs,
    )
    assert [s.prompt for s in samples] == ["to be"] * 3 + ["question"] * 3
    for s in samples:
        assert len(s.text) == 12 and set(s.text) <= set(TEXT)


def test_empty_prompt_starts_from_a_newline(char_setup):
    model, params, vocab, kwargs = char_setup
    samples = sampling.sample(
        model, params, vocab, ["", "\n"], num_samples=3, temperature=0.0, **kwargs
    )
    assert samples[0].prompt == "" and len(samples[0].text) == 12
    assert samples[0].text == samples[3].text


def test_out_of_vocabulary_prompt_maps_to_oov(char_setup):
    model, params, vocab, kwargs = char_setup
    samples = sampling.sample(
        model, params, vocab, ["QZ€é", "to"], num_samples=3, temperature=0.0, **kwargs
    )
    ids = sampling.generate_ids(
        model, params, [[vocab.oov_id] * 4] * 6, vocab_size=len(vocab), max_tokens=12,
        temperature=0.0, banned_ids=(0, 1),
    )
    assert samples[0].text == vocab.decode(ids[0]) and "<oov>" not in samples[0].text


def test_end_token_ends_the_text(char_setup):
    model, params, vocab, kwargs = char_setup
    newline = vocab.encode("\n")[0]
    params = dict(params, out=dict(params["out"], bias=params["out"]["bias"].at[newline].add(2)))
    samples = sampling.sample(
        model, params, vocab, ["to", "be"], num_samples=3, end_token="\n", seed=2, **kwargs
    )
    assert all("\n" not in s.text for s in samples)
    assert any(len(s.text) < 12 for s in samples)
    with pytest.raises(sampling.SamplingArgumentError, match="end_token"):
        sampling.sample(model, params, vocab, "to", end_token="#", **kwargs)
