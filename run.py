"""Serve Xueshi: `python run.py` (development server on 127.0.0.1:8080)."""
import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(
        host=os.environ.get("XUESHI_HOST", "127.0.0.1"),
        port=int(os.environ.get("XUESHI_PORT", "8080")),
        debug=False,
    )
