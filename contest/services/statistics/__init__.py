"""Statistics for the office: participation figures for the dashboard, item analysis by
content area, and the exports.
"""
