"""keraslint: catches Keras compile() configurations that silently produce wrong numbers."""

__version__ = "0.1.0"
