"""Friendly error pages for every status we raise; no stack traces, no detail about what exists."""
import logging

from flask import render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

log = logging.getLogger("pro_app.errors")

PAGES = {400, 401, 403, 404, 405, 410, 413, 429}


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.warning("CSRF refused on %s %s: %s", request.method, request.path, error.description)
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code not in PAGES:
            return error
        if request.path.startswith("/api/"):
            return {"error": error.name, "status": error.code}, error.code
        if request_ctx.url_adapter is None:  # untrusted Host header: no URLs can be built, answer plainly
            return f"{error.code} {error.name}", error.code, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template(f"errors/{error.code}.html", error=error), error.code

    @app.errorhandler(Exception)
    def server_error(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if request.path.startswith("/api/"):
            return {"error": "Internal Server Error", "status": 500}, 500
        return render_template("errors/500.html", error=InternalServerError()), 500
