"""Declared mappings: YAML specs, JSONata expressions, value maps, ownership, and the stakeholder renderer."""
