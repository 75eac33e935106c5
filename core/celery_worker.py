"""Entry point for `celery -A core.celery_worker worker` and `beat`: builds the app so tasks find it."""
from core.app import create_app
from core.celery import celery_app

flask_app = create_app()
celery = celery_app
