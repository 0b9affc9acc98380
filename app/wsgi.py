"""The WSGI entry point gunicorn serves (gunicorn.conf.py): `app.wsgi:app`."""
from app import create_app

app = create_app()
