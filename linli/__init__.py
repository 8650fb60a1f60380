"""Linli (邻里): a community life platform for street offices and community committees."""

__version__ = "0.1.0"
