"""Domain logic: plain functions over plain values and the database session.

Nothing here reads ``request``, ``session``, ``g`` or ``current_user``: the
actor and the time are passed in, so the rules are tested without HTTP.
"""
