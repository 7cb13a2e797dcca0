"""Exact-duplicate texts of a split corpus, counted on the config's normalised text."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class DuplicateCounts:
    """How many exact duplicates a corpus had, and where the kept ones sit.

    Attributes:
      removed: texts dropped before splitting (``data.deduplicate``; corpora without an
        official split).
      remaining: texts, over all splits, whose normalised form repeats an earlier one (an
        official split keeps them).
      test_in_train: test texts whose normalised form is also a train or validation text.
    """

    removed: int
    remaining: int
    test_in_train: int

    @property
    def found(self) -> int:
        """Every exact duplicate of the corpus as read: the removed and the remaining ones."""
        return self.removed + self.remaining

    def to_json(self) -> dict[str, int]:
        return {**dataclasses.asdict(self), "found": self.found}


def count_duplicates(normalised: Mapping[str, Sequence[str]], removed: int) -> DuplicateCounts:
    """Counts the duplicates among ``normalised`` {"train", "validation", "test"} -> texts."""
    every = [text for split in ("train", "validation", "test") for text in normalised[split]]
    seen_in_train = set(normalised["train"]) | set(normalised["validation"])
    return DuplicateCounts(
        removed=removed,
        remaining=len(every) - len(set(every)),
        test_in_train=sum(text in seen_in_train for text in normalised["test"]),
    )
