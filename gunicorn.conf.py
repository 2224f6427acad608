"""gunicorn's settings for the shop's web process (`make prod`, the Procfile's `web`).

Every setting comes from the environment so a host sizes it without editing code; the
defaults suit a small 2-core machine. docs/deploy.md explains each.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Processes, each with its own database pool; threads let one process overlap slow I/O
# (Stripe, SMTP are jobs, but a slow client or database still waits).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# A request that takes longer than this is killed and its worker replaced.
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never grows into an outage.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Access and error logs to stdout/stderr, where the host collects them.
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# The app reads X-Forwarded-* through ProxyFix (PROXY_HOPS), not through gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
