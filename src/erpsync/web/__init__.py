"""Web: webhook routes, the ops API (``/api/v1``), the dashboard, auth and health/metrics endpoints.
``create_app(settings=..., store=..., engine=...)`` builds the app; ``auth`` manages users and tokens."""

from erpsync.web.app import create_app
from erpsync.web.auth import Role, UserDirectory, add_user_command, create_token_command

__all__ = ["Role", "UserDirectory", "add_user_command", "create_app", "create_token_command"]
