"""Background jobs (huey): the queue lives in `queue.py`."""
