"""Booking meetings."""
