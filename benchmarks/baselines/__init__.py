"""
The two scripts a competent admin writes without sfsync; run as
`python -m benchmarks.baselines.per_record` / `python -m benchmarks.baselines.collections`.
"""
