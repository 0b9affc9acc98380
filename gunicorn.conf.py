"""gunicorn settings for Xueshi, from the environment (`gunicorn -c gunicorn.conf.py`).

XUESHI_HOST / XUESHI_PORT        where to listen (127.0.0.1:8080)
XUESHI_WORKERS / XUESHI_THREADS  worker processes (2) and threads in each (4)
XUESHI_TIMEOUT                   seconds a request may take before its worker is replaced (60)
XUESHI_MAX_REQUESTS              requests before a worker is recycled (1000, with jitter)
XUESHI_FORWARDED_ALLOW_IPS       the one reverse proxy whose X-Forwarded-* is believed
XUESHI_LOG_LEVEL                 INFO
Long work never runs in a request: it is a job (app/jobs), run by the consumer.
"""
import os

from gunicorn.http import wsgi as _wsgi

from app import logs


def _env(name, default):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


wsgi_app = "app.wsgi:app"
bind = [f"{_env('XUESHI_HOST', '127.0.0.1')}:{_env('XUESHI_PORT', '8080')}"]
workers = int(_env("XUESHI_WORKERS", "2"))
threads = int(_env("XUESHI_THREADS", "4"))
worker_class = "gthread"
timeout = int(_env("XUESHI_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(_env("XUESHI_MAX_REQUESTS", "1000"))
max_requests_jitter = max(1, max_requests // 10)
# Each worker opens its own database pool: no app preloaded in the master.
preload_app = False
forwarded_allow_ips = _env("XUESHI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
logconfig_dict = logs.config_dict(_env("XUESHI_LOG_LEVEL", "INFO"))
proc_name = "xueshi-web"
# The Server header names no product or version.
_wsgi.SERVER = "xueshi"


def post_worker_init(worker):
    """The worker has loaded the app: what it holds now (modules, models, the
    views and their forms: some 430,000 objects) lives as long as the worker.
    `gc.freeze()` moves it out of the collector's generations, so the full
    collection a large request sets off (an upload of thousands of rows) walks
    only what requests made: 0.6 s over the whole heap, 0.01 s frozen (a loaded
    2-core machine). The garbage of loading is collected first, not frozen."""
    import gc

    gc.collect()
    gc.freeze()
