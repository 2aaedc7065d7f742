"""Persisted queries: a client names a GraphQL document by its hash instead of sending it.

Automatic persisted queries (Apollo's `PersistedQueryLink`, urql's persisted exchange) are kept
in a bounded cache (`cache.py`); documents registered ahead of time from a client's manifest
(`propflow persisted-queries load FILE`) are kept in the database (`service.py`), and in
production can be the only documents served (`PROPFLOW_PERSISTED_QUERIES=registered`).
"""
