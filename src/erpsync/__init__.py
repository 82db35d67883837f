"""erpsync: a self-hosted integration hub that keeps an online store and an ERP in sync.

The architecture is in docs/architecture.md; each sub-package says in its docstring what lives there.
"""

__version__ = "0.1.0"
