"""Benchmarks of sfsync against two baselines on the sandbox org (see benchmarks/README.md)."""
