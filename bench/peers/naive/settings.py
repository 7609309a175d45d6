"""The naive peer's settings: a tutorial's, over the bench's PostgreSQL and Redis."""

import os

import environ

SECRET_KEY = "naive-peer-bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["daphne", "channels", "bench.peers.naive"]
ASGI_APPLICATION = "bench.peers.naive.asgi.application"
DATABASES = {"default": environ.Env.db_url_config(os.environ["PEER_DATABASE_URL"])}
CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [os.environ["PEER_REDIS_URL"]]}}
}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
