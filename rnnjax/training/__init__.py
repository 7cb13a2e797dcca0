"""Training: optimizer, data-parallel steps, the fit loop, Orbax checkpoints, restore.

``fit(config, workdir)`` trains (and resumes); ``restore(workdir, checkpoint)`` loads a trained
model for evaluation, prediction and sampling.
"""

from rnnjax.training.loop import FitResult, TrainingDivergedError, fit
from rnnjax.training.restore import Restored, restore

__all__ = ["FitResult", "Restored", "TrainingDivergedError", "fit", "restore"]
