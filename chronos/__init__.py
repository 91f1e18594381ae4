"""Chronos: self-hosted calendar orchestration hub."""

__version__ = "3.0.0"
