"""Benchmarks: a synthetic regional estate, and timings of estate against a peer tool."""
