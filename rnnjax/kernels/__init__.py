"""Pallas kernels for the recurrence: all time steps of a layer in one kernel launch."""

from rnnjax.kernels.recurrence import pallas_recurrence
from rnnjax.kernels.select import KERNELS, interpret_mode, resolve, unfit_reason

__all__ = ["KERNELS", "interpret_mode", "pallas_recurrence", "resolve", "unfit_reason"]
