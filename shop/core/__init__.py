"""The shop's shared rules, below every area: money, VAT and customs territories,
addresses and countries, and the UK calendar of cutoffs and billing days.

Nothing here imports an area (catalog, orders, subscriptions, ...): the areas build on it.
"""
