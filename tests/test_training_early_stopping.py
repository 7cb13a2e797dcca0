"""Early stopping on validation loss and its JSON round trip (it lives in checkpoints)."""

from __future__ import annotations

import math

from rnnjax.training.early_stopping import EarlyStopping


def test_stops_after_patience_evaluations_without_improvement():
    stopping = EarlyStopping(patience=2)
    assert stopping.update(1.0)
    assert not stopping.update(1.1)
    assert not stopping.should_stop
    assert not stopping.update(1.0)  # equal is not better
    assert stopping.should_stop
    assert stopping.best_loss == 1.0


def test_improvement_resets_the_count_and_zero_patience_never_stops():
    stopping = EarlyStopping(patience=2)
    for loss in (3.0, 3.5, 2.0, 2.5):
        stopping.update(loss)
    assert stopping.bad_evaluations == 1 and not stopping.should_stop
    never = EarlyStopping(patience=0)
    for loss in (1.0, 2.0, 3.0, 4.0):
        never.update(loss)
    assert not never.should_stop


def test_json_round_trip_including_no_evaluation_yet():
    fresh = EarlyStopping(patience=3)
    assert math.isinf(EarlyStopping.from_json(3, fresh.to_json()).best_loss)
    fresh.update(0.5)
    fresh.update(0.7)
    back = EarlyStopping.from_json(3, fresh.to_json())
    assert (back.best_loss, back.bad_evaluations) == (0.5, 1)
