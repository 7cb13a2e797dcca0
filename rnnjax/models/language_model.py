"""RNNLanguageModel: embedding -> recurrent stack -> logits over the vocabulary.

A unidirectional model predicts each next token. A bidirectional one (one layer, ELMo style)
also predicts each previous token from its backward direction, with the same embedding and
softmax: its encoder is a bidirectional classifier's, so fine-tuning copies it whole.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax.numpy as jnp

from rnnjax.errors import ConfigError
from rnnjax.models.classifier import check_tokens, embed_tokens
from rnnjax.models.encoder import RecurrentEncoder, State

Array = Any


def check_bidirectional(bidirectional: bool, num_layers: int) -> None:
    """ConfigError for a stacked bidirectional language model, whose upper layers would see the
    tokens each direction predicts."""
    if bidirectional and num_layers > 1:
        raise ConfigError(
            f"a bidirectional language model needs model.num_layers=1, got {num_layers}: a "
            "stacked layer reads both directions, so each would see the token it predicts; set "
            "model.num_layers=1 or model.bidirectional=False"
        )


class RNNLanguageModel(nn.Module):
    """Next-token model whose carry can be threaded through calls (the sampler's building block).

    Attributes:
        vocab_size: V, embedding rows and logits.
        encoder: a RecurrentEncoder; a bidirectional one must have a single layer (a second
            layer would read the backward direction's view of the future).
        embed_dim: E.
        head_dropout: dropout rate on the top outputs before the logits.
        word_dropout, embedding_dropout, freeze_embeddings: the embedding's regularisers, as in
            the classifier (rnnjax.models.classifier.TokenEmbedding), so a pretraining LM takes
            its classifier's settings.
    """

    vocab_size: int
    encoder: RecurrentEncoder
    embed_dim: int = 64
    head_dropout: float = 0.0
    word_dropout: float = 0.0
    embedding_dropout: float = 0.0
    freeze_embeddings: bool = False

    def initial_carry(self, batch_size: int) -> State:
        """Zero carry for ``batch_size`` rows (works on an unbound model too)."""
        return self.encoder.initial_state(batch_size)

    @nn.compact
    def __call__(
        self, tokens: Array, carry: State | None = None, deterministic: bool = True
    ) -> tuple[Array, State]:
        """int32[B, T] tokens, carry from ``initial_carry``/a previous call (default zeros)
        -> (float32[B, T, V] logits, carry after the last step). A bidirectional model returns
        float32[B, T, 2, V]: ``[:, t, 0]`` predicts token t + 1, ``[:, t, 1]`` token t - 1."""
        check_bidirectional(self.encoder.bidirectional, self.encoder.num_layers)
        if self.encoder.bidirectional and carry is not None:
            raise ConfigError(
                "a bidirectional language model reads whole windows and cannot continue a carry "
                "(sampling); sample from a model with model.bidirectional=False"
            )
        check_tokens(tokens)
        dtype = self.encoder.dtype
        x = embed_tokens(self, tokens, deterministic)
        lengths = jnp.full(tokens.shape[:1], tokens.shape[1], jnp.int32)
        outputs, carry = self.encoder(x, lengths, deterministic=deterministic, initial_state=carry)
        outputs = nn.Dropout(self.head_dropout, name="dropout")(outputs, deterministic)
        if self.encoder.bidirectional:  # [B, T, 2H] -> [B, T, 2, H]: forward, backward
            outputs = outputs.reshape(*outputs.shape[:2], 2, -1)
        logits = nn.Dense(self.vocab_size, dtype=dtype, name="logits")(outputs)
        return logits.astype(jnp.float32), carry

    def step(self, tokens: Array, carry: State) -> tuple[Array, State]:
        """One token per row: int32[B], carry -> (float32[B, V] logits, next carry)."""
        logits, carry = self(tokens[:, None], carry)
        return logits[:, 0], carry
