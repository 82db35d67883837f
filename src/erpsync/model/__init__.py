"""Canonical records: the platform-neutral shape every connector translates to and from."""
