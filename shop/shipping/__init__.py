"""Shipping zones, parcel rates and quotes."""
