"""Discount codes: percentage, fixed amount and free shipping, with dates and usage limits."""
