"""WSGI entry: `gunicorn wsgi:app`, `flask --app wsgi …`."""
import gc

from core.app import create_app

app = create_app()
# what the start built (modules, mappers, routes) lives as long as the worker: out of the garbage collector's way,
# so that its full collections walk only what requests leave behind
gc.freeze()
