"""The web app's factory: routes, templates, static files, security headers and error pages.

Run with ``./qser web`` (``./qser run`` starts it beside Rasa). Everything the browser loads is
served from here (no CDN); the Content-Security-Policy allows scripts, styles and images from
this origin only, and framing by this origin and the pages that embed the widget.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException

from actions.catalogue import get_catalogue
from actions.library import ScenarioLibrary
from actions.settings import Settings, get_settings
from bot.identity import load_key
from bot.rasa_client import RasaClient
from bot.web import api, dashboard, pages
from bot.web.auth import CsrfFailed, NotAllowed, SignInRequired

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
RASA_RETRY_SECONDS = 10  # a browser waits for its answer: retry briefly, then tell the trainee to send again


class _HideInviteTokens(logging.Filter):
    """Invite links are secrets until used: the access log shows their path without the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > 2 and str(args[2]).startswith("/invite/"):
            record.args = (*args[:2], "/invite/…", *args[3:])
        return True


def _csp(settings: Settings) -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            f"frame-ancestors 'self' {settings.web_embed_origins}; base-uri 'none'; form-action 'self'; "
            "object-src 'none'")


def _api_path(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/charts/"))


def templates() -> Jinja2Templates:
    """Every template autoescaped, the SVG charts and the widget script too (Starlette's default
    escapes only .html and .xml)."""
    return Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    key, note = load_key(settings)
    if note:
        logger.warning(note)
    rasa = RasaClient(settings.rasa_url, RASA_RETRY_SECONDS)
    logging.getLogger("uvicorn.access").addFilter(_HideInviteTokens())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        await rasa.close()

    app = FastAPI(title="Q-SER web", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.pseudonym_key = key
    app.state.rasa = rasa
    app.state.catalogue = get_catalogue()
    app.state.library = ScenarioLibrary(settings.dialogues_dir, app.state.catalogue)
    app.state.templates = templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(dashboard.router)
    csp = _csp(settings)

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # invite tokens are in URLs: never tell other sites
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")  # personal pages and data
        return response

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if _api_path(request):
            return api.error(request, 401, "web_error_signed_out")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        if _api_path(request):
            return api.error(request, 403, "web_not_allowed")
        return pages.error_page(request, 403, "web_not_allowed")

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        if _api_path(request):
            return api.error(request, 403, "web_error_reload")
        return pages.error_page(request, 403, "web_form_expired")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _api_path(request) or exc.status_code != 404:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return pages.error_page(request, 404, "web_not_found")

    return app
