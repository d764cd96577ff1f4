"""``estate serve``: the shared map and its API over HTTP.

Served by gunicorn (threaded workers, one per core by default) rather than Flask's
development server: the map asks for every view it shows, from every partner at once.
``--debug`` runs Flask's own server with reloading, for development.
"""

from __future__ import annotations

import os

import click

from estate.config import Settings

pass_settings = click.make_pass_decorator(Settings)


def serve_app(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    """Migrate the database once, then serve with gunicorn (each worker its own pool)."""
    from gunicorn.app.base import BaseApplication

    from estate.db import ensure_database, make_engine, upgrade
    from web import create_app

    url = ensure_database(settings)
    upgrade(url)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", None)
            self.cfg.set("errorlog", "-")
            self.cfg.set("loglevel", "warning")

        def load(self):
            # In each worker, after the fork: connections are never shared across processes.
            import threading

            from web.api import warm_up

            app = create_app(settings, engine=make_engine(url, pool_size=threads, max_overflow=4))
            threading.Thread(target=warm_up, args=(app,), daemon=True).start()
            return app

    Server().run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 2,
    show_default="one per core",
    help="Worker processes.",
)
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True,
              help="Threads per worker.")  # fmt: skip
@click.option("--debug", is_flag=True, help="Flask's development server, reloading on changes.")
@pass_settings
def serve(
    settings: Settings, host: str, port: int, workers: int, threads: int, debug: bool
) -> None:
    """Serve the shared map, the pages, the JSON API and OGC API - Features."""
    click.echo(f"estate: the map is at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    if debug:
        from web import create_app

        create_app(settings).run(host=host, port=port, debug=True)
        return
    serve_app(settings, host, port, workers, threads)
