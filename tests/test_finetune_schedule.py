"""ULMFiT fine-tuning in the optimizer: discriminative learning rates per parameter group, the
slanted triangular schedule and gradual unfreezing, checked against their formulas; a
gradually unfrozen run resumes from a mid-run checkpoint exactly."""

from __future__ import annotations

import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from rnnjax.cli import load_config
from rnnjax.configs import train_config
from rnnjax.errors import ConfigError
from rnnjax.training import fit, restore
from rnnjax.training.optimizer import group_labels, make_optimizer, make_schedule, param_groups

from conftest import REPO_ROOT

# A classifier's param tree (two recurrent layers): four groups, bottom to top.
PARAMS = {
    "embed": {"embedding": jnp.ones((5, 2))},
    "encoder": {"layer_1": {"kernel": jnp.ones((2, 3))}, "layer_0": {"kernel": jnp.ones((2, 3))}},
    "dense_0": {"kernel": jnp.ones((3, 2))},
    "logits": {"bias": jnp.ones((2,))},
}
GRADS = jax.tree.map(lambda p: jnp.full_like(p, 0.5), PARAMS)
GROUPS = ["embed", "encoder/layer_0", "encoder/layer_1", "head"]


def _cfg(**overrides):
    cfg = train_config()
    cfg.update({"grad_clip_norm": 0.0, **overrides})
    return cfg


def _updates(tx, steps, grads=GRADS):
    """The updates of ``steps`` successive calls with the same gradients."""
    state, out = tx.init(PARAMS), []
    for _ in range(steps):
        update, state = jax.jit(tx.update)(grads, state, PARAMS)
        out.append(update)
    return out


def _by_group(update):
    """Group name -> the (single) value of that group's update leaves."""
    labels = group_labels(update)
    values = {}
    for label, leaf in zip(jax.tree.leaves(labels), jax.tree.leaves(update), strict=True):
        values.setdefault(label, set()).update(np.unique(np.asarray(leaf)).round(8).tolist())
    return {k: v.pop() if len(v) == 1 else v for k, v in values.items()}


def test_groups_are_embedding_then_each_layer_in_order_then_head():
    assert param_groups(PARAMS) == GROUPS
    assert _by_group(PARAMS) == {group: 1.0 for group in GROUPS}


def test_slanted_triangular_matches_ulmfit_formula():
    lr, total, cut_frac, ratio = 0.01, 200, 0.1, 32.0
    schedule = make_schedule(
        _cfg(schedule="slanted_triangular", learning_rate=lr, stlr_cut_frac=cut_frac,
             stlr_ratio=ratio),
        total_steps=total,
    )
    cut = int(total * cut_frac)
    for t in (0, 5, 19, 20, 21, 100, 199, 200):
        p = t / cut if t < cut else 1 - (t - cut) / (cut * (1 / cut_frac - 1))
        expected = lr * (1 + p * (ratio - 1)) / ratio
        assert float(schedule(t)) == pytest.approx(expected, rel=1e-5), t
    assert float(schedule(cut)) == pytest.approx(lr)
    assert float(schedule(0)) == pytest.approx(lr / ratio)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("stlr_cut_frac", 1.0, "stlr_cut_frac"), ("stlr_ratio", 0.5, "stlr_ratio")],
)
def test_bad_slanted_triangular_settings_are_config_errors(key, value, message):
    with pytest.raises(ConfigError, match=message):
        make_schedule(_cfg(schedule="slanted_triangular", **{key: value}), total_steps=10)


def test_discriminative_learning_rates_divide_by_the_decay_per_group_down():
    cfg = _cfg(optimizer="sgd", momentum=0.0, learning_rate=0.1, discriminative_decay=2.0)
    tx = make_optimizer(cfg, total_steps=10, example_params=lambda: PARAMS)
    (update,) = _updates(tx, 1)
    # head: lr; layer_1: lr/2; layer_0: lr/4; embed: lr/8 (times the gradient 0.5)
    expected = {"head": -0.05, "encoder/layer_1": -0.025, "encoder/layer_0": -0.0125,
                "embed": -0.00625}
    assert _by_group(update) == pytest.approx(expected, rel=1e-6)


def test_decay_one_without_unfreezing_is_the_plain_optimizer_and_bad_decay_is_refused():
    plain = make_optimizer(_cfg(learning_rate=0.1), total_steps=10)
    assert jax.tree.structure(plain.init(PARAMS)) == jax.tree.structure(
        make_optimizer(_cfg(learning_rate=0.1), 10, example_params=lambda: PARAMS).init(PARAMS)
    )
    with pytest.raises(ConfigError, match="discriminative_decay"):
        make_optimizer(_cfg(discriminative_decay=0.0), 10, example_params=lambda: PARAMS)


def test_gradual_unfreezing_zeroes_frozen_groups_and_starts_adam_at_their_unfreezing():
    """Epoch e (2 steps each) trains the top e + 1 groups. Adam's first step of a group is
    lr * sign(grad) whenever it comes, as for an optimizer that never saw the frozen steps; the
    learning rate is the schedule's at the global step."""
    lr, steps_per_epoch = 0.1, 2
    cfg = _cfg(learning_rate=lr, gradual_unfreezing=True, schedule="slanted_triangular")
    tx = make_optimizer(cfg, total_steps=8, steps_per_epoch=steps_per_epoch,
                        example_params=lambda: PARAMS)
    schedule = make_schedule(cfg, total_steps=8)
    updates = [_by_group(u) for u in _updates(tx, 8)]
    for step, update in enumerate(updates):
        for index, group in enumerate(GROUPS):
            start = (len(GROUPS) - 1 - index) * steps_per_epoch
            if step < start:
                assert update[group] == 0.0, (step, group)
            elif step == start:  # Adam's bias-corrected first step
                assert update[group] == pytest.approx(-float(schedule(step)), rel=1e-4)
            else:
                assert update[group] < 0.0


def test_clipping_under_gradual_unfreezing_measures_the_trained_groups_only():
    grads = jax.tree.map(lambda p: jnp.full_like(p, 100.0), GRADS)
    grads["logits"]["bias"] = jnp.array([0.3, 0.4])  # the head's norm: 0.5 (dense_0: huge)
    grads["dense_0"]["kernel"] = jnp.zeros((3, 2))
    cfg = _cfg(optimizer="sgd", momentum=0.0, learning_rate=1.0, gradual_unfreezing=True,
               grad_clip_norm=1.0)
    tx = make_optimizer(cfg, total_steps=8, steps_per_epoch=2, example_params=lambda: PARAMS)
    (update,) = _updates(tx, 1, grads)
    np.testing.assert_allclose(update["logits"]["bias"], [-0.3, -0.4], rtol=1e-6)  # unclipped
    assert not np.any(np.asarray(update["embed"]["embedding"]))


@pytest.mark.slow
def test_gradually_unfrozen_run_freezes_lower_groups_and_resumes_exactly(tmp_path):
    config = load_config(f"{REPO_ROOT}/configs/bbc_news.py:smoke")
    config.train.update(
        gradual_unfreezing=True, discriminative_decay=2.6, schedule="slanted_triangular",
        checkpoint_every_steps=5, keep_checkpoints=10,
    )
    full = tmp_path / "full"
    assert fit(config, full).step == 24
    start, first_epoch = restore(full, 5), restore(full, 12)  # 12 steps per epoch
    for group in ("embed", "encoder"):  # frozen in epoch 0 ...
        jax.tree.map(np.testing.assert_array_equal, start.params[group], first_epoch.params[group])
    last = restore(full, 24)
    assert not np.array_equal(last.params["encoder"]["layer_0"]["kernel"],
                              first_epoch.params["encoder"]["layer_0"]["kernel"])  # ... not in 1
    assert not np.array_equal(start.params["logits"]["kernel"],
                              first_epoch.params["logits"]["kernel"])

    resumed = tmp_path / "resumed"  # the run as a crash after step 12's checkpoint left it
    shutil.copytree(full, resumed)
    for step_dir in (resumed / "checkpoints").iterdir():
        if step_dir.name.isdigit() and int(step_dir.name) > 12:
            shutil.rmtree(step_dir)
    assert fit(config, resumed).step == 24
    jax.tree.map(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7),
        restore(resumed, 24).params,
        last.params,
    )
