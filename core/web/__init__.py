"""The staff web app: FastAPI, server-rendered Jinja2 templates and HTMX, in four languages.

``create_web_app(app)`` (``tremplin.core.web.app``) builds the ASGI application around one ``tremplin.core.app.App``.
Pages and API routes share the dependencies of ``tremplin.core.web.deps`` (who is logged in, which roles and
audiences the account has); templates are rendered with ``tremplin.core.web.templating.render``; charts are
SVG drawn on the server by ``tremplin.core.web.charts`` so reports can reuse them. Plugins add their own pages
through the ``register_routes`` hook, and their templates by appending to
``tremplin.core.web.templating.template_dirs``.
"""
