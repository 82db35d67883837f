"""Business flows written against the canonical model and the connector interface, never one platform."""
