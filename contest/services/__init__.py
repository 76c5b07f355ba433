"""Domain logic: plain functions over plain values and the database session.

Nothing here reads the HTTP call, the session, ``g`` or the signed-in user: the actor
and the time are passed in, so the rules are tested without HTTP. One subpackage per
domain; a refusal is a :class:`contest.services.errors.DomainError`.
"""
