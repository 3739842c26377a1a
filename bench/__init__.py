"""Benchmarks (``make bench``): the foundation against hand-written Core and raw asyncpg."""
