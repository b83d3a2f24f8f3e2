"""ASGI entry point for uvicorn: `uvicorn muster.asgi:app`."""

from muster.app import create_app

app = create_app()
