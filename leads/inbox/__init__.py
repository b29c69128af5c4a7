"""The sales inbox: a lead's statuses, sales' moves, notes and reassignment, search, and its pages."""
