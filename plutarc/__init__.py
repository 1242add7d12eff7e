"""plutarc: a self-hosted trading desk for systematic crypto traders."""

__version__ = "0.1.0"

__all__ = ["__version__"]
