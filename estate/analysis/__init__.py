"""The analysis: where partners can share (co-location), what can go (disposals), and
what that is worth (`scenarios` as stored, and `savings`, the arithmetic of their schedules).

Framework-free: each function takes a SQLAlchemy connection and returns frames, so the
CLI, the web app and the benchmarks call the same code.
"""
