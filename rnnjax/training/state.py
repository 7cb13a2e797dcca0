"""The train state: everything a step changes, as one pytree that Orbax saves whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import flax.struct
import jax
import ml_collections
import optax

from rnnjax.errors import ConfigError
from rnnjax.text.vocabulary import Vocabulary
from rnnjax.training.embeddings import load_word_vectors, with_word_vectors
from rnnjax.training.forward import init_params
from rnnjax.training.optimizer import make_optimizer


class TrainState(flax.struct.PyTreeNode):
    """Parameters, optimizer state, step counter and the base RNG of a run.

    Attributes:
      step: int32[] number of optimizer updates applied.
      params: float32 parameter pytree.
      opt_state: Optax state of ``tx``.
      rng: uint32[2] base key; step ``s`` uses ``fold_in(rng, s)``, so resuming needs no RNG
        bookkeeping beyond this key and the step.
      tx: the optimizer (static, rebuilt from the config on restore).
    """

    step: jax.Array
    params: Any
    opt_state: optax.OptState
    rng: jax.Array
    tx: optax.GradientTransformation = flax.struct.field(pytree_node=False)

    @classmethod
    def create(cls, params: Any, tx: optax.GradientTransformation, rng: jax.Array) -> TrainState:
        """Step 0 state with fresh optimizer state for ``params``."""
        return cls(
            step=jax.numpy.zeros((), jax.numpy.int32),
            params=params,
            opt_state=tx.init(params),
            rng=rng,
            tx=tx,
        )

    def apply_gradients(self, grads: Any) -> TrainState:
        """One optimizer update with ``grads`` (a pytree shaped like ``params``)."""
        updates, opt_state = self.tx.update(grads, self.opt_state, self.params)
        params = optax.apply_updates(self.params, updates)
        return self.replace(step=self.step + 1, params=params, opt_state=opt_state)


def initial_state_fn(
    config: ml_collections.ConfigDict, model: nn.Module, kind: str, seq_len: int,
    total_steps: int, steps_per_epoch: int = 1, *, vocab: Vocabulary | None = None,
) -> Callable[[], TrainState]:
    """A function () -> TrainState at step 0, deterministic in ``config.train.seed``.

    ``vocab`` (the run's Vocabulary) lets ``model.embeddings_path`` fill the step-0 embedding
    rows (the file is read here, once; a resumed run then restores its trained rows instead);
    without it (restoring for evaluation: shapes only) no vector file is read.
    """
    members = config.model.ensemble_size  # checked by fit (check_ensemble) before training
    params_fn = lambda rng: init_params(model, kind, seq_len, rng)
    shapes = lambda: jax.eval_shape(params_fn, jax.random.PRNGKey(0))
    tx = make_optimizer(
        config.train, total_steps, steps_per_epoch, example_params=shapes, members=members
    )
    # pretrained word vectors (model.embeddings_path), read once, here
    vectors = None if vocab is None else load_word_vectors(config, vocab)

    def init() -> TrainState:
        params_rng, step_rng = jax.random.split(jax.random.PRNGKey(config.train.seed))
        params = with_word_vectors(params_fn(params_rng), vectors)  # step 0 only
        return TrainState.create(params, tx, step_rng)

    return init


def check_ensemble(config: ml_collections.ConfigDict) -> int:
    """``model.ensemble_size``, after refusing what an ensemble cannot start from or group by.

    Raises:
      ConfigError: an ensemble with a pretrained start (``train.init_from``, ``pretrain``,
        ``model.embeddings_path``) or ULMFiT's per-layer groups, which address one model's
        params.
    """
    size = config.model.ensemble_size
    if size <= 1:
        return 1
    clashes = {
        "train.init_from": bool(config.train.init_from),
        "pretrain.enabled": bool(config.pretrain.enabled),
        "model.embeddings_path": bool(config.model.embeddings_path),
        "train.discriminative_decay": config.train.discriminative_decay != 1.0,
        "train.gradual_unfreezing": bool(config.train.gradual_unfreezing),
    }
    if any(clashes.values()):
        names = ", ".join(name for name, on in clashes.items() if on)
        raise ConfigError(
            f"model.ensemble_size={size} cannot be combined with {names}: ensemble members "
            "start from their own random params; train them one by one (ensemble_size=1) and "
            "average them with `python -m rnnjax.evaluate --workdir W1 --workdir W2 ...`"
        )
    return size
