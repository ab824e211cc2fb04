"""Formats other than the monthly returns, mapped onto the returns by declaration."""
