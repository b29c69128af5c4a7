"""The shipped deployment: its files, and several servers behind nginx."""
