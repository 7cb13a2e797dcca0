"""RNNLanguageModel: full-sequence logits equal step-by-step steps with a threaded carry."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.errors import ConfigError
from rnnjax.models import RecurrentEncoder, RNNLanguageModel

V, E, H = 13, 6, 5
TOKENS = jnp.array([[1, 4, 7, 2], [3, 3, 12, 0]], jnp.int32)


@pytest.fixture(scope="module", params=["gru", "lstm"])
def model_and_variables(request):
    encoder = RecurrentEncoder(cell=request.param, hidden_size=H, num_layers=2)
    model = RNNLanguageModel(vocab_size=V, encoder=encoder, embed_dim=E)
    shapes = jax.eval_shape(model.init, jax.random.key(0), TOKENS)
    rng = np.random.default_rng(0)
    variables = jax.tree.map(lambda s: jnp.asarray(0.5 * rng.normal(size=s.shape), s.dtype), shapes)
    return model, variables


def test_step_by_step_equals_full_sequence_and_carry_threads(model_and_variables):
    model, variables = model_and_variables
    logits, carry = jax.jit(model.apply)(variables, TOKENS)
    assert logits.shape == (2, 4, V) and logits.dtype == jnp.float32

    step = jax.jit(lambda v, t, c: model.apply(v, t, c, method="step"))
    state = model.apply(variables, 2, method="initial_carry")
    for t in range(TOKENS.shape[1]):
        step_logits, state = step(variables, TOKENS[:, t], state)
        np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6), state, carry)


def test_initial_carry_is_zero_and_needs_no_variables(model_and_variables):
    model, variables = model_and_variables
    unbound = model.initial_carry(3)
    bound = model.apply(variables, 3, method="initial_carry")
    assert jax.tree.structure(unbound) == jax.tree.structure(bound)
    assert all(a.shape == (3, H) and not np.any(a) for a in jax.tree.leaves(unbound))


def test_stacked_bidirectional_language_model_and_its_carry_are_rejected():
    stacked = RecurrentEncoder(bidirectional=True, hidden_size=H, num_layers=2)
    model = RNNLanguageModel(vocab_size=V, encoder=stacked, embed_dim=E)
    with pytest.raises(ConfigError, match="num_layers=1"):
        model.init(jax.random.key(0), TOKENS)
    single = RNNLanguageModel(
        vocab_size=V, encoder=RecurrentEncoder(bidirectional=True, hidden_size=H), embed_dim=E
    )
    variables = single.init(jax.random.key(0), TOKENS)
    with pytest.raises(ConfigError, match="cannot continue a carry"):
        single.apply(variables, TOKENS, single.initial_carry(2))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_bidirectional_language_model_never_sees_the_token_it_predicts(cell):
    """Changing token k moves the forward logits at t >= k only and the backward ones at
    t <= k only: position t's forward output predicts t + 1, its backward output t - 1."""
    encoder = RecurrentEncoder(cell=cell, bidirectional=True, hidden_size=H)
    model = RNNLanguageModel(vocab_size=V, encoder=encoder, embed_dim=E)
    tokens = jnp.array([[1, 4, 7, 2, 9, 5]], jnp.int32)
    variables = model.init(jax.random.key(0), tokens)
    apply = jax.jit(model.apply)
    logits, _ = apply(variables, tokens)
    assert logits.shape == (1, 6, 2, V)
    for k in range(tokens.shape[1]):
        changed, _ = apply(variables, tokens.at[0, k].set(11))
        moved = np.abs(np.asarray(changed - logits)).max(axis=-1)[0] > 1e-6  # [T, 2]
        t = np.arange(tokens.shape[1])
        np.testing.assert_array_equal(moved[:, 0], t >= k)
        np.testing.assert_array_equal(moved[:, 1], t <= k)
