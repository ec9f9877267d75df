"""gunicorn's settings for final: `gunicorn` started in this folder reads this file.

    gunicorn                              # http://127.0.0.1:8000, several workers
    gunicorn --bind 0.0.0.0:8080 --workers 4

Every setting here can be overridden on the command line. The app's own settings (SECRET_KEY,
DATABASE_URL, ...) come from the environment, as always; gunicorn does not read .env files.
"""

import multiprocessing
import os

# What to serve: the application factory, called once in each worker.
wsgi_app = "app:create_app()"

# Behind a reverse proxy (nginx, a load balancer), listen on the local interface only.
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Several processes: one slow request (say, Verify taking its time) holds one worker, not
# the site. Each worker has its own memory, so everything a request needs later (sessions
# in the signed cookie, pending logins, throttles, callbacks) lives in the database.
# gunicorn's own advice is two per core, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# A worker that hangs longer than this is restarted. Verify calls give up long before
# (VERIFY_TIMEOUT, 5 seconds by default).
timeout = 30

# The access log and the error log (with the app's security events) go to standard error,
# where a process manager (systemd, Docker, ...) collects them. `worker=<pid>` says which
# worker process answered each request.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms worker=%(p)s'
errorlog = "-"
