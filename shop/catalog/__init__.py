"""The catalogue: categories, products and variants (pages in views.py)."""
