"""The email sink's HTTP API: the kit's ``/_sandbox`` control API plus the captured messages.

GET    /_sandbox/email/messages?to=&subject=   -> {"messages": [...]} oldest first
GET    /_sandbox/email/messages/{id}            -> one message (with "raw", the bytes as received)
DELETE /_sandbox/email/messages                 -> forget every message
GET    /_sandbox/email/settings                 -> what the SMTP server refuses
PUT    /_sandbox/email/settings {"rejected_recipients": ["@bounce.test"], "temporary_failures": 1,
                                 "max_message_bytes": 10240000}
GET    /_sandbox/state, POST /_sandbox/reset, GET /_sandbox/health   (the kit's, common/control.py)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Body, FastAPI, HTTPException

from erpsync.sandboxes.common import control_router, install_fault_handling

if TYPE_CHECKING:
    from erpsync.sandboxes.email.sink import EmailSink


def build_app(sink: EmailSink) -> FastAPI:
    app = FastAPI(title="erpsync email sink", docs_url=None, redoc_url=None)
    install_fault_handling(app)
    app.include_router(control_router(sink))

    @app.get("/_sandbox/email/messages")
    def list_messages(to: str | None = None, subject: str | None = None) -> dict[str, Any]:
        return {"messages": [message.as_json() for message in sink.messages(to=to, subject=subject)]}

    @app.get("/_sandbox/email/messages/{message_id}")
    def get_message(message_id: str) -> dict[str, Any]:
        message = sink.message(message_id)
        if message is None:
            raise HTTPException(status_code=404, detail=f"no captured message {message_id}")
        return message.as_json(raw=True)

    @app.delete("/_sandbox/email/messages")
    def clear_messages() -> dict[str, int]:
        count = len(sink.messages())
        sink.clear()
        return {"deleted": count}

    @app.get("/_sandbox/email/settings")
    def get_settings() -> dict[str, Any]:
        return sink.settings.as_json()

    @app.put("/_sandbox/email/settings")
    def put_settings(change: dict[str, Any] = Body(...)) -> dict[str, Any]:
        try:
            return sink.configure(change)
        except (TypeError, ValueError) as exc:
            raise HTTPException(status_code=422, detail=f"bad email sink settings: {exc}") from exc

    return app
