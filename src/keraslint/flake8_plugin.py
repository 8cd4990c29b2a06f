"""The flake8 adapter: translates engine diagnostics into flake8 results. Nothing else.

flake8 aborts the whole run when a plugin raises, so run() catches everything. Nothing is printed.
"""

from __future__ import annotations

import argparse
import ast
import logging
from typing import Any, Generator

from keraslint import __version__

LOG = logging.getLogger("flake8.keraslint")

_keras_version: str | None = None


class KerasLintPlugin:
    name = "keraslint"
    version = __version__

    def __init__(self, tree: ast.AST, lines: list[str] | None = None, filename: str = "stdin") -> None:
        self.tree = tree
        self.lines = lines or []
        self.filename = filename

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        from keraslint.settings import KERAS_VERSION_HELP

        option_manager.add_option(
            "--keras-version",
            default=None,
            parse_from_config=True,
            help=KERAS_VERSION_HELP,
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        # Runs in every worker under the spawn start method: cheap and idempotent.
        global _keras_version
        value = getattr(options, "keras_version", None)
        if value is not None:
            from keraslint.targeting import ConfigError, parse_keras_version

            try:
                parse_keras_version(value)
            except ConfigError as error:
                raise ValueError(f"keraslint: {error}") from None
        _keras_version = value

    def run(self) -> Generator[tuple[int, int, str, type], None, None]:
        try:
            results = list(self._run())
        except Exception:  # never take the host down
            LOG.warning("keraslint failed on %s", self.filename, exc_info=True)
            results = [(1, 0, "KER001 keraslint could not analyse this file; please report it", type(self))]
        yield from results

    def _run(self):
        source = "".join(self.lines)
        from keraslint.reduce import might_be_keras

        if not might_be_keras(source) or not isinstance(self.tree, ast.Module):
            return
        from keraslint.engine import analyse
        from keraslint.settings import Settings

        filename = None if self.filename in ("stdin", "-", None) else self.filename
        diagnostics = analyse(source, filename=filename, tree=self.tree, settings=Settings(_keras_version), logger=LOG)
        for diagnostic in diagnostics:
            yield diagnostic.line, diagnostic.column, f"{diagnostic.code} {diagnostic.message}", type(self)
