"""Durable flows on DBOS Transact behind our own small API: queues per target system, budgets, retry policy."""
