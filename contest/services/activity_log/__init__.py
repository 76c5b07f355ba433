"""The plan's other outreach work: recording activities by unit, and the quarterly and
annual reports built from them.
"""
