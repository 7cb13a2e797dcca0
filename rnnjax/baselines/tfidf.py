"""TF-IDF (word 1-2 grams, sublinear tf) + a linear classifier, scikit-learn's defaults
otherwise: the vectorizer lowercases and tokenises the raw text itself, so the baseline does not
inherit the recurrent models' preprocessing."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)  # inverse regularisation strengths tried on validation


class LabelledTexts(Protocol):
    """A split's raw ``texts`` and ``labels`` (rnnjax.data's Split and EncodedSplit are)."""

    texts: Sequence[str]
    labels: np.ndarray


def _linear_svc(c: float):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c)


def _logistic_regression(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=1000)


BASELINES: dict[str, Callable[[float], object]] = {
    "tfidf_linearsvc": _linear_svc,
    "tfidf_logreg": _logistic_regression,
}


@dataclasses.dataclass(frozen=True)
class BaselineResult:
    """One baseline fitted on train with the C that scored best on validation.

    Attributes:
      name: a key of BASELINES.
      c: the chosen C; validation_accuracies: C -> validation accuracy, for every C tried.
      predicted: ``int[N_test]`` test predictions; accuracy, macro_f1: on test.
      num_features: TF-IDF vocabulary size (word 1-2 grams of train).
      train_time_s: vectorising, fitting every C and predicting, seconds.
    """

    name: str
    c: float
    validation_accuracies: dict[float, float]
    predicted: np.ndarray
    accuracy: float
    macro_f1: float
    num_features: int
    train_time_s: float


def fit_baselines(
    splits: Mapping[str, LabelledTexts], names: Sequence[str] = tuple(BASELINES)
) -> list[BaselineResult]:
    """Fits the TF-IDF vectorizer on the train texts, then each baseline of ``names`` for every
    C of C_GRID on train; keeps the C with the best validation accuracy (the smallest on ties)
    and scores it on test. ``splits`` holds "train", "validation" and "test"."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import accuracy_score, f1_score

    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    train = vectorizer.fit_transform(splits["train"].texts)
    validation, test = (vectorizer.transform(splits[s].texts) for s in ("validation", "test"))
    labels = {name: np.asarray(split.labels) for name, split in splits.items()}
    vectorised = time.perf_counter() - start
    results = []
    for name in names:
        start = time.perf_counter()
        scores, models = {}, {}
        for c in C_GRID:
            models[c] = BASELINES[name](c).fit(train, labels["train"])
            scores[c] = float(accuracy_score(labels["validation"], models[c].predict(validation)))
        best = max(C_GRID, key=lambda c: (scores[c], -c))
        predicted = models[best].predict(test)
        results.append(
            BaselineResult(
                name=name,
                c=best,
                validation_accuracies=scores,
                predicted=predicted,
                accuracy=float(accuracy_score(labels["test"], predicted)),
                macro_f1=float(f1_score(labels["test"], predicted, average="macro")),
                num_features=len(vectorizer.vocabulary_),
                train_time_s=vectorised + time.perf_counter() - start,
            )
        )
    return results
