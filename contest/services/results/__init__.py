"""Results of a round: ranking by the published order, prizes, suspected duplicates,
publication and the printable lists and certificates.
"""
