"""Due work as jobs: a wait ending, a webhook retry. See `api/jobs/queue.py`."""
