"""Catalog components of this kind (importing registers them)."""
