"""The documents the office signs: who signs them and under what number."""
