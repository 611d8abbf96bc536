"""Entry point for gunicorn and `flask --app wsgi`."""
from pro_app import create_app

app = create_app()
