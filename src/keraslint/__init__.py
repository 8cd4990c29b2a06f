"""keraslint: catches Keras compile() configurations that silently produce wrong numbers."""

__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:  # IPython's hook
    """`%load_ext keraslint`: check each cell before it runs (see keraslint.kernel)."""
    from keraslint import kernel

    kernel.load_ipython_extension(ipython)


def unload_ipython_extension(ipython: object) -> None:
    from keraslint import kernel

    kernel.unload_ipython_extension(ipython)
