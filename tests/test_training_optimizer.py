"""Optimizer and schedule from the train config, checked against the update equations."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.configs import train_config
from rnnjax.errors import ConfigError
from rnnjax.training.optimizer import make_optimizer, make_schedule


def _cfg(**overrides):
    cfg = train_config()
    cfg.update(overrides)
    return cfg


def test_warmup_cosine_schedule_matches_formula():
    schedule = make_schedule(
        _cfg(schedule="warmup_cosine", warmup_steps=10, learning_rate=0.5), total_steps=110
    )
    assert float(schedule(0)) == 0.0
    assert float(schedule(5)) == pytest.approx(0.25)
    assert float(schedule(10)) == pytest.approx(0.5)
    expected = 0.5 * 0.5 * (1 + math.cos(math.pi * 50 / 100))
    assert float(schedule(60)) == pytest.approx(expected, rel=1e-5)
    assert float(schedule(110)) == pytest.approx(0.0, abs=1e-7)


def test_constant_schedule():
    assert float(make_schedule(_cfg(learning_rate=0.3), 100)(77)) == pytest.approx(0.3)


def _first_update(cfg, grads, params):
    tx = make_optimizer(cfg, total_steps=100)
    updates, _ = tx.update(grads, tx.init(params), params)
    return np.asarray(updates["w"])


def test_adam_first_step_is_lr_times_sign_and_clipping_rescales():
    params = {"w": jnp.array([1.0, -2.0])}
    grads = {"w": jnp.array([3.0, -4.0])}  # global norm 5
    update = _first_update(_cfg(learning_rate=0.1, grad_clip_norm=0.0), grads, params)
    np.testing.assert_allclose(update, -0.1 * np.sign([3.0, -4.0]), rtol=1e-5)
    sgd = _cfg(optimizer="sgd", momentum=0.0, learning_rate=1.0, grad_clip_norm=1.0)
    np.testing.assert_allclose(_first_update(sgd, grads, params), [-0.6, 0.8], rtol=1e-6)


def test_sgd_momentum_and_l2_weight_decay():
    cfg = _cfg(optimizer="sgd", momentum=0.9, learning_rate=0.1, weight_decay=0.01,
               grad_clip_norm=0.0)
    tx = make_optimizer(cfg, total_steps=10)
    params, grads = {"w": jnp.array([2.0])}, {"w": jnp.array([1.0])}
    state = tx.init(params)
    u1, state = tx.update(grads, state, params)
    u2, _ = tx.update(grads, state, params)
    g = 1.0 + 0.01 * 2.0
    np.testing.assert_allclose(np.asarray(u1["w"]), [-0.1 * g], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(u2["w"]), [-0.1 * (g + 0.9 * g)], rtol=1e-6)


def test_adamw_decays_weights_decoupled():
    cfg = _cfg(optimizer="adamw", learning_rate=0.1, weight_decay=0.5, grad_clip_norm=0.0)
    update = _first_update(cfg, {"w": jnp.array([0.0])}, {"w": jnp.array([2.0])})
    np.testing.assert_allclose(update, [-0.1 * 0.5 * 2.0], rtol=1e-5)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"optimizer": "rmsprop"}, "adam, adamw, sgd"),
        ({"schedule": "linear"}, "constant, warmup_cosine"),
        ({"weight_decay": 0.1}, "adamw"),
    ],
)
def test_bad_optimizer_settings_name_the_valid_choices(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make_optimizer(_cfg(**overrides), total_steps=10)
