"""Practice and study material: what residents learn from before and after a contest.

``pool``: which questions practice may show, drawing a practice set, counting the answers
anonymously. ``study``: the organisers' study text, parsed into headings, paragraphs and
lists, and its A4 PDF.
"""
