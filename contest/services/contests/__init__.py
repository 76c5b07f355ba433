"""Contests and rounds: what a valid setting is and what may no longer change, entry points
(QR codes and their counts) and printable posters.
"""
