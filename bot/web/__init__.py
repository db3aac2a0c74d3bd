"""The FastAPI application: web chat page, chat API, health check."""
