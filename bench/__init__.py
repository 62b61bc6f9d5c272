"""Benchmarks run against a database of their own (see bench/README.md)."""
