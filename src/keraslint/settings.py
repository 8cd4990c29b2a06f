"""Settings shared by the flake8 adapter and the CLI."""

from __future__ import annotations

import dataclasses

from keraslint import targeting


@dataclasses.dataclass(frozen=True)
class Settings:
    keras_version: str | None = None  # raw setting; validated by validate()

    def validate(self) -> "Settings":
        """Raise targeting.ConfigError for a bad value, naming it."""
        if self.keras_version is not None:
            targeting.parse_keras_version(self.keras_version)
        return self


DEFAULT_SETTINGS = Settings()
