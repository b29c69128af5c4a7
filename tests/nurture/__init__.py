"""Nurture email."""
