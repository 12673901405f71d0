"""gunicorn settings for `make run`; every value can be overridden on the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Searches are CPU-bound: one worker per core plus one to cover I/O waits.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = "-"
errorlog = "-"
proc_name = "quipu"
# gunicorn ≥ 25 opens a control socket in $HOME/.gunicorn shared by every instance of the user.
control_socket_disable = True


def post_worker_init(worker):
    """Each worker opens the views, templates and search index before its first request
    (archive.serving): mapped from what the index's last commit wrote, not computed."""
    from archive.serving import prepare_worker

    seconds = prepare_worker()
    worker.log.info("worker %s ready in %.2f s", worker.pid, seconds)
