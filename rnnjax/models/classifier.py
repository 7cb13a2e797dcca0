"""TextClassifier: embedding -> recurrent encoder -> pooling -> dense relu layers -> logits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from rnnjax.models.dropout import embedding_dropout, word_dropout
from rnnjax.models.encoder import RecurrentEncoder, last_hidden
from rnnjax.models.heads import Pooling

Array = Any

EMBED_INIT = nn.initializers.normal(stddev=0.05)  # small, like Keras' uniform(-0.05, 0.05)


def check_tokens(tokens: Array) -> None:
    """Raises ValueError unless ``tokens`` is int[batch, time]."""
    if tokens.ndim != 2 or not jnp.issubdtype(tokens.dtype, jnp.integer):
        raise ValueError(
            f"tokens must be int32[batch, time] token ids, got {tokens.dtype}{list(tokens.shape)}"
        )


class TokenEmbedding(nn.Module):
    """Embedding rows of token ids, with the word-level regularisers of AWD-LSTM.

    Holds one param, ``embedding`` float32[V, E] (the layout of ``nn.Embed``, so checkpoints and
    pretrained rows address it as ``embed/embedding``). When training, ``word_dropout`` replaces
    token occurrences by OOV and ``embedding_dropout`` drops whole word types (rnnjax.models.
    dropout); ``freeze`` stops the gradient into the table, so it is never updated.

    Attributes:
        vocab_size: V.
        features: E.
        dtype: compute dtype of the returned rows.
        word_dropout: probability of replacing a real token occurrence by the OOV id.
        embedding_dropout: probability of zeroing a word type's row for the whole batch.
        freeze: keep the table fixed (e.g. pretrained vectors from ``model.embeddings_path``).
    """

    vocab_size: int
    features: int
    dtype: Any = jnp.float32
    word_dropout: float = 0.0
    embedding_dropout: float = 0.0
    freeze: bool = False

    @nn.compact
    def __call__(self, tokens: Array, deterministic: bool = True) -> Array:
        """int32[B, T] token ids -> float[B, T, E] rows (dropped only when not deterministic)."""
        table = self.param("embedding", EMBED_INIT, (self.vocab_size, self.features), jnp.float32)
        if self.freeze:
            table = jax.lax.stop_gradient(table)
        if self.word_dropout > 0 and not deterministic:
            tokens = word_dropout(self.make_rng("dropout"), tokens, self.word_dropout)
        x = jnp.take(table.astype(self.dtype), tokens, axis=0)
        if self.embedding_dropout > 0 and not deterministic:
            rng = self.make_rng("dropout")
            x = embedding_dropout(rng, tokens, x, self.vocab_size, self.embedding_dropout)
        return x


def embed_tokens(model: nn.Module, tokens: Array, deterministic: bool) -> Array:
    """``model``'s ``embed`` submodule (a TokenEmbedding from its vocab_size, embed_dim,
    encoder dtype and embedding regularisers) applied to ``tokens``; the classifier and the
    language model share it, so their ``embed`` params and dropouts are the same thing."""
    return TokenEmbedding(
        model.vocab_size,
        model.embed_dim,
        dtype=model.encoder.dtype,
        word_dropout=model.word_dropout,
        embedding_dropout=model.embedding_dropout,
        freeze=model.freeze_embeddings,
        name="embed",
    )(tokens, deterministic)


class TextClassifier(nn.Module):
    """Recurrent text classifier covering references 001, 003 and 004.

    Layout: TokenEmbedding(vocab_size, embed_dim) -> ``encoder`` -> ``Pooling(pooling)`` -> Dropout
    -> [Dense(size, relu) -> Dropout(dense_dropout)] for each of ``dense_sizes``
    -> Dense(num_classes).

    Attributes:
        vocab_size: embedding rows, including pad (0) and OOV (1).
        num_classes: C, the number of logits.
        encoder: the recurrent encoder (its ``dtype`` is the compute dtype of the whole model).
        embed_dim: E.
        pooling: "last" | "max" | "mean" | "concat" | "attention" (rnnjax.models.heads).
        dense_sizes: widths of the relu layers between pooling and logits.
        head_dropout: dropout rate after pooling.
        dense_dropout: dropout rate after each dense relu layer (reference 004: 0.5, 001: 0).
        attention_use_scale: learn the attention score scale (init 1/sqrt(F)); else fixed.
        word_dropout: training-time rate of replacing token occurrences by OOV.
        embedding_dropout: training-time rate of dropping whole word types' embedding rows.
        freeze_embeddings: never update the embedding table.
    """

    vocab_size: int
    num_classes: int
    encoder: RecurrentEncoder
    embed_dim: int = 64
    pooling: str = "last"
    dense_sizes: Sequence[int] = (32,)
    head_dropout: float = 0.5
    dense_dropout: float = 0.5
    attention_use_scale: bool = True
    word_dropout: float = 0.0
    embedding_dropout: float = 0.0
    freeze_embeddings: bool = False

    @nn.compact
    def __call__(self, tokens: Array, lengths: Array, deterministic: bool = True) -> Array:
        """int32[B, T] tokens (pad 0), int32[B] lengths -> float32[B, C] logits."""
        check_tokens(tokens)
        dtype = self.encoder.dtype
        x = embed_tokens(self, tokens, deterministic)
        outputs, final_state = self.encoder(x, lengths, deterministic=deterministic)
        pooling = Pooling(self.pooling, self.attention_use_scale, name="pooling")
        y = pooling(outputs, lengths, last_hidden(self.encoder, final_state))
        y = nn.Dropout(self.head_dropout, name="dropout_0")(y, deterministic)
        for index, size in enumerate(self.dense_sizes):
            y = nn.relu(nn.Dense(size, dtype=dtype, name=f"dense_{index}")(y))
            y = nn.Dropout(self.dense_dropout, name=f"dropout_{index + 1}")(y, deterministic)
        return nn.Dense(self.num_classes, dtype=dtype, name="logits")(y).astype(jnp.float32)
