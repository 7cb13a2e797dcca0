"""Early stopping on validation loss, as plain JSON-able state that checkpoints carry."""

from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass
class EarlyStopping:
    """Stops after ``patience`` evaluations without a lower validation loss (0 = never).

    Attributes:
      patience: evaluations tolerated without improvement.
      best_loss: lowest validation loss so far (inf before the first evaluation).
      bad_evaluations: evaluations since ``best_loss`` last improved.
    """

    patience: int
    best_loss: float = math.inf
    bad_evaluations: int = 0

    def update(self, val_loss: float) -> bool:
        """Records one evaluation; True if it is the best so far."""
        if val_loss < self.best_loss:
            self.best_loss, self.bad_evaluations = val_loss, 0
            return True
        self.bad_evaluations += 1
        return False

    @property
    def should_stop(self) -> bool:
        """True once ``patience`` evaluations in a row did not improve."""
        return self.patience > 0 and self.bad_evaluations >= self.patience

    def to_json(self) -> dict:
        """JSON form (inf as None)."""
        best = None if math.isinf(self.best_loss) else self.best_loss
        return {"best_loss": best, "bad_evaluations": self.bad_evaluations}

    @classmethod
    def from_json(cls, patience: int, data: dict) -> EarlyStopping:
        """Inverse of :meth:`to_json`."""
        best = math.inf if data["best_loss"] is None else float(data["best_loss"])
        return cls(patience=patience, best_loss=best, bad_evaluations=int(data["bad_evaluations"]))
