"""The flake8 adapter: translates engine diagnostics into flake8 results. Nothing else.

flake8 aborts the whole run when a plugin raises, so nothing here raises: run() catches
everything, and a bad configuration (a bad `keras-version`, a broken `[tool.keraslint]`) does not
stop flake8 either: it is read on the first file keraslint checks, and every such file gets
one KER002 finding at line 1 naming the setting and what it accepts, while flake8's other plugins
(pyflakes, pycodestyle, ...) report as usual. Nothing is printed.

Settings: flake8's `keras-version` option (its flag, or its configuration file: flake8 merges
them), then `[tool.keraslint]` of the nearest pyproject.toml (its keras-version, select, ignore,
extend-select and per-file-ignores apply here too, so flake8 and `keraslint check` agree), then
the project's pins. The configuration and the pins are read once per flake8 run (pins once per
folder); the next run, as an editor's next lint in the same process, reads them again where they
changed.
"""

from __future__ import annotations

import argparse
import ast
import functools
import logging
import os
from typing import Any, Generator, Iterator

from keraslint import __version__

LOG = logging.getLogger("flake8.keraslint")


# What parse_options() was given, and what it resolves to on the first file keraslint checks
# (a run over files without Keras reads no configuration at all): Settings, or an error message.
_options: tuple[str | None, bool] = (None, False)
_resolved: tuple[Any, str | None] | None = None
# The target of each directory in this run: pins are read once per folder and run (a new run, as an
# editor's next lint, starts afresh in parse_options() and sees changed pin files).
_targets: dict[str | None, Any] = {}


def _resolve() -> tuple[Any, str | None]:
    """(settings, None) or (None, configuration error message). Never raises."""
    global _resolved
    if _resolved is None:
        keras_version, isolated = _options
        try:
            from keraslint import config

            _resolved = (config.for_flake8(keras_version, isolated=isolated), None)
        except Exception as error:  # noqa: BLE001 - ConfigError, or anything unexpected
            from keraslint.targeting import ConfigError

            if isinstance(error, ConfigError):
                _resolved = (None, str(error))
            else:
                LOG.warning("keraslint: cannot read the configuration", exc_info=True)
                _resolved = (None, f"cannot read the configuration ({type(error).__name__}: {error})")
    return _resolved


@functools.lru_cache(maxsize=64)
def _enabled_rules(settings: Any, filename: str | None) -> list[Any]:
    """The rules a file gets (the same for every file unless per-file-ignores name some)."""
    from keraslint.rules import ALL_RULES

    return [rule for rule in ALL_RULES if settings.enabled(rule.code, filename)]


class KerasLintPlugin:
    name = "keraslint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: list[str] | None = None, filename: str = "stdin") -> None:
        self.tree = tree
        self.lines = lines or []
        self.filename = filename

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        from keraslint.version_help import KERAS_VERSION_HELP

        option_manager.add_option(
            "--keras-version",
            default=None,
            parse_from_config=True,
            help=KERAS_VERSION_HELP,
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        # Runs in every worker under the spawn start method: cheap and idempotent. Never raises
        # (flake8 would stop with a traceback, an editor would show nothing at all): the
        # configuration is read and checked on the first file keraslint checks.
        global _options, _resolved
        _options = (getattr(options, "keras_version", None), bool(getattr(options, "isolated", False)))
        _resolved = None
        _targets.clear()

    def run(self) -> Generator[tuple[int, int, str, type], None, None]:
        try:
            results = list(self._run())
        except Exception:  # never take the host down
            LOG.warning("keraslint failed on %s", self.filename, exc_info=True)
            results = [(1, 0, "KER001 keraslint could not analyse this file; please report it", type(self))]
        yield from results

    def _run(self) -> Iterator[tuple[int, int, str, type]]:
        source = "".join(self.lines)
        if "compile" not in source:
            return  # most files: decided without importing any of the engine
        from keraslint.source import might_be_keras

        if not might_be_keras(source) or not isinstance(self.tree, ast.Module):
            return
        settings, config_error = _resolve()
        if config_error is not None:
            from keraslint.diagnostics import CONFIG_ERROR_CODE

            message = f"{CONFIG_ERROR_CODE} keraslint configuration error, no KER checks run: {config_error}"
            yield 1, 0, message, type(self)
            return
        from keraslint import noqa
        filename = None if self.filename in ("stdin", "-", None) else self.filename
        skipped = noqa.file_suppression(source)
        if skipped is True or (filename is not None and settings.excluded(filename)):
            return
        from keraslint import targeting
        from keraslint.engine import analyse

        rules = _enabled_rules(settings, filename if settings.per_file_ignores else None)
        if not rules:
            return
        folder = None if filename is None else os.path.dirname(os.path.abspath(filename))
        target = _targets.get(folder)
        if not _targets:
            targeting.begin_run()  # the first file of this run: pin files are read afresh
        if target is None:
            target = _targets[folder] = targeting.target_for(filename, settings.keras_version)
        diagnostics = analyse(source, filename=filename, tree=self.tree, target=target, rules=rules, logger=LOG)
        for diagnostic in diagnostics:
            if not settings.enabled(diagnostic.code, filename) or noqa.file_suppresses(skipped, diagnostic.code):
                continue
            yield diagnostic.line, diagnostic.column, f"{diagnostic.code} {diagnostic.message}", type(self)
