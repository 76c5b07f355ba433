"""People and places: units (tổ dân phố, agencies) and their import, and back-office
accounts.
"""
