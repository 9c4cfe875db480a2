"""Copies of an article across sites: signatures (pure), the index kept at write time, groups read from it."""
