"""estate: a locality-wide public estate terrier."""

__version__ = "0.1.0"
