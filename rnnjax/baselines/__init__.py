"""Linear baselines on the raw texts of a run's rows: TF-IDF word 1-2 grams + LinearSVC or
LogisticRegression, C chosen on the validation split."""

from rnnjax.baselines.tfidf import BASELINES, C_GRID, BaselineResult, fit_baselines

__all__ = ["BASELINES", "C_GRID", "BaselineResult", "fit_baselines"]
