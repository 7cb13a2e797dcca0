"""Evaluation reports of a trained workdir: metrics, classification report, plots."""

from rnnjax.reports.evaluation import evaluate_ensemble, evaluate_workdir

__all__ = ["evaluate_ensemble", "evaluate_workdir"]
