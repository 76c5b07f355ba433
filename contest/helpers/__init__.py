"""Helpers with no domain of their own: text, formats, time, tables, workbooks, PDF fonts,
the audit log.
"""
