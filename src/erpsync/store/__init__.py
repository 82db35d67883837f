"""State store: id cross-reference, cursors, raw payload archive, record timeline, exceptions, conflicts."""
