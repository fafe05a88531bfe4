"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Each value can be changed from the environment (the systemd unit's EnvironmentFile), and
command-line options still win over this file.
"""

import multiprocessing
import os

# 127.0.0.1:8000 by default; the systemd unit uses a unix socket that nginx proxies to.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers: requests wait on PostgreSQL, so a few more workers than cores keep them busy.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))

# A request that takes longer than this is killed and logged; nginx waits a little longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps connections to the app open between requests.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Recycle workers now and then, so that a slow leak never grows; jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))

# Logs to stdout/stderr: the journal (or the container runtime) keeps them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client address as nginx saw it comes first; %(h)s is nginx itself.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s - %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)

# Workers heartbeat through a file; tmpfs avoids stalls on a slow disk. Under the systemd
# unit (ProtectSystem=strict) the private /tmp is used when /dev/shm is not writable.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
)
proc_name = "urban-exchange"
