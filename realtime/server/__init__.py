"""The server entry: what ``manage.py web`` runs, in one place inside the layers.

- ``asgi``: the application, HTTP to Django in a thread pool and ``/ws/`` to the gateway;
- ``http``: that thread pool (Django's WSGI handler under daphne);
- ``protocols``: daphne and its Twisted protocols with our answers below Django, and the server
  as the ``web`` command starts it.

Nothing below ``realtime`` imports these, and they import nothing above it. The top-level
``asgi.py`` only re-exports ``asgi.application`` for deployers who name it.
"""
