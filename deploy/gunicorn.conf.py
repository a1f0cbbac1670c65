"""Gunicorn settings for Butler's web processes (docs/operations.md, "Web server").

Started by ``deploy/systemd/butler-web.service`` as
``gunicorn --config /srv/butler/app/deploy/gunicorn.conf.py butler.wsgi``. Each value can be changed without
editing this file through the environment variable named beside it (put it in ``/etc/butler/butler.env``).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Where nginx reaches the web process: loopback when nginx runs on the same host; a private address
# (e.g. 10.0.0.11:8000) when one nginx spreads requests over several web hosts.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes: 2 x cores + 1, the usual start for a server-rendered Django site whose requests wait on the
# database. Each process (and each thread, with GUNICORN_THREADS > 1) holds one PostgreSQL connection.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
# 1: synchronous workers (nginx buffers slow clients). More than 1: threaded workers ("gthread"), for a
# host short of memory: fewer processes, the same number of requests at once.
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request still running after this many seconds is killed (a worker answering nothing): the longest pages
# (a large XLSX export, the look-back report) take seconds, not minutes.
timeout = _int("GUNICORN_TIMEOUT", 120)
# On restart and reload, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps connections to the web process open (upstream keepalive): a little longer than nginx.
keepalive = _int("GUNICORN_KEEPALIVE", 75)

# Each worker is replaced after this many requests (a slow leak never grows); the jitter spreads the
# replacements so that the workers never restart together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Trust X-Forwarded-Proto / X-Forwarded-For only from nginx. Comma-separated addresses of the nginx hosts
# when nginx runs elsewhere. Django trusts X-Forwarded-Proto only with BEHIND_TLS_PROXY=1.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Worker heartbeats in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn makes its files with mkstemp

# Logs to the journal (standard output and error). The access log carries nginx's request id, the same id
# the product's JSON log lines carry, so one request's lines are found together.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s'
proc_name = "butler-web"
