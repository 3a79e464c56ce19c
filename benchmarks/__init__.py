"""Benchmarks of ffviz: speed and accuracy of Forward-Forward training (see benchmarks/README.md)."""
