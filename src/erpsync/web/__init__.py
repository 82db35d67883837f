"""Web: webhook routes, the ops API and the dashboard."""
