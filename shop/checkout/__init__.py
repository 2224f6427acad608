"""The checkout: delivery details, totals, placing and paying for an order (pages in views.py)."""
