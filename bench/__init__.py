"""Doorstep's benchmarks: each one measures against a baseline taken in the same run."""
