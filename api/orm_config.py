"""The config the `tortoise` CLI reads to write a new migration after a model change:

    DATABASE_URL=sqlite:///tmp/scratch.db .venv/bin/tortoise -c api.orm_config.TORTOISE_ORM \
        makemigrations --name what_changed
"""

import os

from api.db import DEFAULT_DATABASE_URL, tortoise_config

TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
