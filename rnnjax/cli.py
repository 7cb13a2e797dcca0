"""Command-line plumbing shared by every entry point: one-line errors instead of tracebacks."""

from __future__ import annotations

import importlib.util
import logging as std_logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import ml_collections
from absl import app, flags, logging
from ml_collections.config_flags import config_flags  # is_config_flag: public, not re-exported

from rnnjax import compilation_cache
from rnnjax.errors import ConfigError, UserError

FLAGS = flags.FLAGS


def fail(message: str) -> None:
    """Prints ``error: message`` on stderr and exits with status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def run_cli(main: Callable[[Sequence[str]], None]) -> None:
    """Runs ``main`` under ``absl.app.run``; user errors become one ``error:`` line and exit 2.

    Compiled programs are kept between commands (rnnjax.compilation_cache).

    Output into a closed pipe (``| head``) ends quietly with status 1 instead of a traceback.

    Flag and config-flag problems (unknown ``--config.*`` key, wrong type, missing config file or
    variant) are reported the same way, naming the key or file and the valid choices.
    """

    def guarded(argv: Sequence[str]) -> None:
        compilation_cache.enable()
        if not FLAGS["verbosity"].present:
            # Orbax logs every save at INFO and warns on each save without metrics.
            logging.set_verbosity(logging.WARNING)
            logging.get_absl_logger().setLevel(std_logging.ERROR)
        try:
            main(argv)
            sys.stdout.flush()
        except UserError as error:
            fail(str(error))
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly. stdout goes to /dev/null so the
            # interpreter's final flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    app.run(guarded, flags_parser=_parse_flags)


def _parse_flags(argv: list[str]) -> list[str]:
    try:
        remaining = FLAGS(argv)
    except Exception as error:  # every parse failure becomes one line
        fail(_describe_flag_error(error, argv))
    for name in _config_flag_names():
        # A config file that failed to load leaves a placeholder that raises on first use; an
        # absent --config is left for the command to report.
        if FLAGS[name].present and not isinstance(FLAGS[name].value, ml_collections.ConfigDict):
            fail(_describe_flag_error(None, argv))
    return remaining


def _config_flag_names() -> list[str]:
    return [name for name, flag in FLAGS._flags().items() if config_flags.is_config_flag(flag)]


def _describe_flag_error(error: Exception | None, argv: Sequence[str]) -> str:
    """A one-line explanation of why the command line did not parse."""
    for name in _config_flag_names():
        spec = _flag_value(name, argv)
        if spec is None:
            continue
        try:
            config = load_config(spec)
        except ConfigError as problem:
            return str(problem)
        problem = _override_problem(name, config, argv, error)
        if problem:
            return problem
    lines = str(error).strip().splitlines() if error is not None else []
    return lines[0] if lines else f"could not parse the command line {list(argv[1:])}"


def load_config(spec: str) -> ml_collections.ConfigDict:
    """Loads ``path[:variant]`` the way ``config_flags`` does; ConfigError naming what failed."""
    path, _, variant = spec.partition(":")
    file = Path(path)
    if not file.is_file():
        available = sorted(str(p) for p in file.parent.glob("*.py") if p.name != "__init__.py")
        listing = ", ".join(available) if available else f"none in {file.parent}/"
        raise ConfigError(f"config file {path} does not exist; available configs: {listing}")
    try:
        module_spec = importlib.util.spec_from_file_location("_rnnjax_config", file)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module.get_config(variant) if variant else module.get_config()
    except ValueError as error:  # configs raise ValueError for an unknown variant
        raise ConfigError(str(error)) from None
    except Exception as error:
        raise ConfigError(
            f"config file {path} failed to load: {type(error).__name__}: {error}"
        ) from None


def _flag_value(name: str, argv: Sequence[str]) -> str | None:
    """The value given to ``--name`` (``--name X`` or ``--name=X``), if any."""
    for i, arg in enumerate(argv):
        if arg == f"--{name}" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return None


def _override_problem(
    name: str, config: ml_collections.ConfigDict, argv: Sequence[str], error: Exception | None
) -> str | None:
    """Names the ``--name.a.b=...`` override that failed: an unknown key or a wrong type."""
    for arg in argv:
        if not arg.startswith(f"--{name}."):
            continue
        key = arg[len(name) + 3 :].split("=", 1)[0]
        node, walked = config, []
        for part in key.split("."):
            if not isinstance(node, ml_collections.ConfigDict):
                return (
                    f"unknown config key {key!r}: {'.'.join(walked)} is a value "
                    f"({node!r}), not a section"
                )
            if part not in node:
                where = ".".join(walked) or "the config"
                return f"unknown config key {key!r}; valid keys in {where}: " + ", ".join(
                    sorted(node.keys())
                )
            node, walked = node[part], [*walked, part]
        if error is not None and f"--{name}.{key}" in str(error):
            given = arg.split("=", 1)[1] if "=" in arg else ""
            kind = type(node).__name__
            article = "an" if kind[0] in "aeiou" else "a"
            return (
                f"config key {key!r} takes {article} {kind} (default {node!r}), "
                f"not {given!r}"
            )
    return None
