"""The genforge version (its own module, so core can name it without importing the package's API)."""

__version__ = "0.2.0"
