"""Lotse: multilingual guidance towards a vocational qualification in Germany."""

__version__ = "0.1.0"
