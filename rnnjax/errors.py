"""Errors caused by user input: the CLIs print them as one line and exit non-zero."""


class UserError(Exception):
    """Base class of every error the user can fix; its message names the problem and the fix."""


class ConfigError(UserError, ValueError):
    """A config key, value or variant is invalid."""


class DataError(UserError, ValueError):
    """Input data is malformed (missing column, unseen label, bad split fractions, ...)."""


class MissingDataError(UserError, FileNotFoundError):
    """A corpus file is absent and could not be downloaded."""


class CheckpointError(UserError, RuntimeError):
    """A workdir has no usable checkpoint, or holds a run of a different config."""
