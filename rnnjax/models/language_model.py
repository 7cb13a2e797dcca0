"""RNNLanguageModel: embedding -> unidirectional recurrent stack -> logits over the vocabulary."""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from rnnjax.errors import ConfigError
from rnnjax.models.classifier import EMBED_INIT, check_tokens
from rnnjax.models.encoder import RecurrentEncoder, State

Array = Any


class RNNLanguageModel(nn.Module):
    """Next-token model whose carry can be threaded through calls (the sampler's building block).

    Attributes:
        vocab_size: V, embedding rows and logits.
        encoder: a unidirectional RecurrentEncoder (a backward direction would see the future).
        embed_dim: E.
        head_dropout: dropout rate on the top outputs before the logits.
    """

    vocab_size: int
    encoder: RecurrentEncoder
    embed_dim: int = 64
    head_dropout: float = 0.0

    def initial_carry(self, batch_size: int) -> State:
        """Zero carry for ``batch_size`` rows (works on an unbound model too)."""
        return self.encoder.initial_state(batch_size)

    @nn.compact
    def __call__(
        self, tokens: Array, carry: State | None = None, deterministic: bool = True
    ) -> tuple[Array, State]:
        """int32[B, T] tokens, carry from ``initial_carry``/a previous call (default zeros)
        -> (float32[B, T, V] logits, carry after the last step)."""
        if self.encoder.bidirectional:
            raise ConfigError("a language model needs bidirectional=False (it must not see ahead)")
        check_tokens(tokens)
        dtype = self.encoder.dtype
        x = nn.Embed(
            self.vocab_size, self.embed_dim, dtype=dtype, embedding_init=EMBED_INIT, name="embed"
        )(tokens)
        lengths = jnp.full(tokens.shape[:1], tokens.shape[1], jnp.int32)
        outputs, carry = self.encoder(x, lengths, deterministic=deterministic, initial_state=carry)
        outputs = nn.Dropout(self.head_dropout, name="dropout")(outputs, deterministic)
        logits = nn.Dense(self.vocab_size, dtype=dtype, name="logits")(outputs)
        return logits.astype(jnp.float32), carry

    def step(self, tokens: Array, carry: State) -> tuple[Array, State]:
        """One token per row: int32[B], carry -> (float32[B, V] logits, next carry)."""
        logits, carry = self(tokens[:, None], carry)
        return logits[:, 0], carry
