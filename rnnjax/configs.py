"""Default config sections shared by every experiment family in ``configs/``.

Each ``configs/<family>.py`` starts from :func:`classification_config` or
:func:`language_model_config` and overrides the numbers of its experiment; the keys here are the
schema that the data, model and training code read.
"""

from __future__ import annotations

import ml_collections


def pick_variant(arg: str | None, variants: tuple[str, ...], config_file: str) -> str:
    """``arg``, or the first (default) of ``variants`` when empty; ValueError for any other name.

    ``configs/<family>.py`` calls it first in ``get_config``; the error names the file and the
    valid variants (the command lines print it as their one-line error).
    """
    variant = arg or variants[0]
    if variant not in variants:
        raise ValueError(f"unknown variant {variant!r} of {config_file}; valid: {variants}")
    return variant


def data_config() -> ml_collections.ConfigDict:
    """The ``data`` section shared by every classification config."""
    return ml_collections.ConfigDict(
        dict(
            # bbc | newsgroups | ag_news | ag_news_mini | news_category | csv | jsonl | text (LMs)
            corpus="bbc",
            data_dir="",  # "" -> $RNNJAX_DATA_DIR, else ~/rnnjax_data
            download=True,  # fetch a missing corpus or NLTK's stopwords (with timeouts) first
            path="",  # csv / jsonl / text corpora: file path (absolute or under data_dir)
            test_path="",  # csv / jsonl: optional separate test file; "" = split path 80/10/10
            text_column="text",
            label_column="label",
            drop_empty_labels=False,  # csv/jsonl rows with an empty label: False = error
            categories=(),  # newsgroups subset; () = all 20
            remove=(),  # newsgroups: any of "headers", "footers", "quotes"
            validation_fraction=0.1,  # carved from train (stratified, seeded)
            test_fraction=0.1,  # only for corpora without an official test split
            split_seed=0,
            # drop exact-duplicate texts (after the normalisation below) before splitting a
            # corpus without an official split; official splits are kept, duplicates counted
            deduplicate=True,
            max_train_examples=0,  # 0 = all; >0 keeps a stratified subset (smoke runs)
            lowercase=True,
            strip_punctuation=True,
            strip_digits=True,
            collapse_whitespace=True,  # runs of whitespace -> one space (off keeps newlines)
            stopwords="nltk",  # nltk | sklearn | none
            level="word",  # word | char
            max_words=10000,  # vocabulary size including pad (0) and OOV (1)
            min_freq=1,
            max_len=300,
            padding="post",  # pre | post
            truncating="post",  # pre | post
            bucket_boundaries=(),  # () = pad every batch to max_len; else a few fixed lengths
        )
    )


def model_config() -> ml_collections.ConfigDict:
    """The ``model`` section of a text classifier (see rnnjax.models.TextClassifier)."""
    return ml_collections.ConfigDict(
        dict(
            kind="classifier",  # classifier | lm
            embed_dim=64,
            cell="gru",  # lstm | gru | rnn
            hidden_size=64,
            num_layers=1,
            bidirectional=False,
            dropout=0.0,  # between stacked recurrent layers
            recurrent_dropout=0.0,  # on the recurrent state, one mask per sequence
            pooling="last",  # last | max | mean | concat ([last; max; mean]) | attention
            dense_sizes=(32,),  # relu layers between pooling and the logits
            head_dropout=0.5,  # after pooling (LMs: before the logits)
            dense_dropout=0.5,  # after each dense relu layer
            unroll=1,
            dtype="float32",  # float32 | bfloat16 (compute dtype; params stay float32)
            forget_bias=1.0,
            reset_after=True,  # GRU form: True = cuDNN/Flax/Keras 2+, False = Cho et al. 2014
            projection="step",  # step | sequence | chunk: where x @ W_i is computed
            chunk_size=0,  # time steps per input-projection chunk (projection="chunk"); 0 = auto
            backward="auto",  # auto | autodiff | custom: how the recurrence's gradient is computed
            kernel="auto",  # auto | scan | pallas: lax.scan or the Pallas kernels (auto: GPU only)
            attention_use_scale=True,  # pooling="attention": learn the 1/sqrt(F) score scale
            # AWD-LSTM regularisation (training only; 0 = off)
            embedding_dropout=0.0,  # drop whole word types: an embedding row zeroed per batch
            word_dropout=0.0,  # replace each token occurrence by OOV (id 1) with this rate
            weight_drop=0.0,  # DropConnect on the recurrent kernel, one mask per batch
            # pretrained word vectors: GloVe/word2vec/fastText text (.txt/.vec[.gz]); absolute or
            # under data.data_dir; fills the rows of vocabulary words at step 0 ("" = none)
            embeddings_path="",
            freeze_embeddings=False,  # keep the embedding table fixed (no updates)
            # K > 1: a deep ensemble of K classifiers trained side by side in one vmapped step,
            # each with its own init, dropout and optimizer state; predictions average them
            ensemble_size=1,
        )
    )


def train_config() -> ml_collections.ConfigDict:
    """The ``train`` section: optimizer, schedule, loop, checkpoints."""
    return ml_collections.ConfigDict(
        dict(
            seed=0,
            batch_size=32,  # global batch, divisible by the device count
            eval_batch_size=64,
            epochs=10,
            optimizer="adam",  # adam | adamw | sgd
            learning_rate=1e-3,
            schedule="constant",  # constant | warmup_cosine | slanted_triangular (ULMFiT)
            warmup_steps=0,
            stlr_cut_frac=0.1,  # slanted_triangular: fraction of the steps spent rising
            stlr_ratio=32.0,  # slanted_triangular: peak lr / lowest lr
            # ULMFiT fine-tuning: parameter groups are the embedding, each recurrent layer and
            # the head (everything else), bottom to top; group l-1 gets group l's lr / decay
            discriminative_decay=1.0,  # 1.0 = one lr for every group
            gradual_unfreezing=False,  # epoch 0 trains the head only, each epoch one more group
            init_from="",  # a language-model workdir: start from its embedding and encoder
            weight_decay=0.0,
            momentum=0.9,  # sgd only
            grad_clip_norm=1.0,  # 0 = off
            label_smoothing=0.0,
            patience=3,  # early stopping on validation loss; 0 = off
            eval_every_steps=0,  # 0 = once per epoch
            checkpoint_every_steps=0,  # 0 = once per epoch
            keep_checkpoints=2,  # latest N kept for resuming (the best is kept too)
            log_every_steps=10,
        )
    )


def pretrain_config() -> ml_collections.ConfigDict:
    """The ``pretrain`` section: a word language model trained first, the classifier's start.

    A classifier with ``enabled`` trains the LM in ``<workdir>/pretrain/`` (reused once done,
    resumed if interrupted) on its split's training texts plus ``extra_corpora``, then
    fine-tunes from it (as ``train.init_from`` would). A language model with ``enabled`` is that
    pretraining: rnnjax.training.pretrain.pretraining_config writes its config.
    """
    return ml_collections.ConfigDict(
        dict(
            enabled=False,
            extra_corpora=(),  # corpora (data.corpus names) whose every text joins the LM's
            validation_fraction=0.05,  # tail of the LM's token stream held out to validate it
            epochs=2,
            learning_rate=2e-3,
            batch_size=32,
            seq_len=64,  # LM window length
        )
    )


def classification_config() -> ml_collections.ConfigDict:
    """A complete text-classification config with the default sections."""
    config = ml_collections.ConfigDict()
    config.variant = ""
    config.data = data_config()
    config.model = model_config()
    config.train = train_config()
    config.pretrain = pretrain_config()
    return config


def language_model_config() -> ml_collections.ConfigDict:
    """A complete language-model config: contiguous windows of a text corpus, next-token loss."""
    config = classification_config()
    config.data.corpus = "text"  # or any classification corpus, whose texts are used
    config.data.path = "shakespeare/input.txt.gz"
    config.data.level = "char"  # char | word
    config.data.lowercase = False
    config.data.strip_punctuation = False
    config.data.strip_digits = False
    config.data.collapse_whitespace = False  # keep line breaks for generation
    config.data.stopwords = "none"
    config.data.max_words = 256
    config.data.seq_len = 128  # window length T of inputs/targets
    config.data.test_fraction = 0.05  # contiguous tail blocks of the token stream
    config.data.validation_fraction = 0.05
    config.model.kind = "lm"
    config.model.embed_dim = 64
    config.model.hidden_size = 256
    config.model.pooling = "none"  # unused by language models
    config.model.dense_sizes = ()
    config.model.head_dropout = 0.0
    config.train.batch_size = 64
    config.train.eval_batch_size = 64
    config.train.epochs = 5
    config.train.learning_rate = 2e-3
    return config
