"""The coordinator dashboard (/dashboard): attempts and trainees with filters and paging, transcripts,
comments and score overrides, charts, calibration, exports, GDPR export and erase, the audit log.

Role matrix (auth.REVIEW_ROLES, auth.COORDINATOR_ROLES; trainees get 403, anonymous visitors sign in):
trainers and coordinators read lists, transcripts, charts and calibration and comment on turns; only
coordinators override scores, export (CSV, xAPI, a trainee's data), erase trainees and read the audit log.
Opening a transcript or a trainee, every change and every export is written to the audit log.
"""
from __future__ import annotations

import io
import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from actions.messages import t
from actions.settings import LANGUAGES
from actions.store import review
from actions.store.db import unit_of_work
from actions.store.models import Attempt, Trainee, Turn
from bot.review import csv_export, figures, filters, gdpr, xapi
from bot.review.people import Directory
from bot.web.auth import CSRF_FIELD, Visitor, check_csrf, coordinating, reviewing
from bot.web.charts import competency_chart, series_chart
from bot.web.i18n import browser_language
from bot.web.pages import error_page, render

router = APIRouter(prefix="/dashboard")
PAGE_SIZE = 25
MAX_COMMENT_CHARS = 4000


def _page_number(request: Request) -> int:
    return max(filters.whole_number(request.query_params.get("page")) or 1, 1)


def _directory(request: Request, session: Session) -> Directory:
    return Directory(session, request.app.state.pseudonym_key)


def _show(request: Request, visitor: Visitor, name: str, **context: Any) -> HTMLResponse:
    return render(request, f"dashboard/{name}.html", browser_language(request, request.app.state.settings), visitor,
                  page="dashboard", coordinator=visitor.role == "coordinator", **context)


@router.get("")
def home(visitor: Visitor = Depends(reviewing)) -> RedirectResponse:
    return RedirectResponse("/dashboard/attempts", status_code=303)


@router.get("/attempts")
def attempts(request: Request, visitor: Visitor = Depends(reviewing)) -> HTMLResponse:
    params = dict(request.query_params)
    with unit_of_work() as session:
        directory = _directory(request, session)
        listing = review.paged(session, review.attempts_query(filters.from_params(params, directory)),
                               _page_number(request), PAGE_SIZE)
        rows = [(attempt, trainee, directory.person(trainee)) for attempt, trainee in listing.items]
        return _show(request, visitor, "attempts", listing=listing, rows=rows, params=params,
                     departments=directory.departments(), scenarios=review.scenario_ids(session),
                     languages=LANGUAGES, query={k: v for k, v in params.items() if k in filters.FIELDS and v})


@router.get("/attempts/{attempt_id:int}")
def transcript(request: Request, attempt_id: int, visitor: Visitor = Depends(reviewing)) -> HTMLResponse:
    with unit_of_work() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            return error_page(request, 404, "web_not_found")
        turns = attempt.turns
        ids = [turn.id for turn in turns]
        comments, overrides = review.comments_by_turn(session, ids), review.latest_overrides(session, ids)
        person = _directory(request, session).person(attempt.trainee)
        review.audit(session, visitor.user_id, "attempt.view", "attempt", attempt.id)
        catalogue = request.app.state.catalogue
        return _show(request, visitor, "transcript", attempt=attempt, person=person, comments=comments,
                     corrections={t.id: review.corrected(t, overrides.get(t.id)) for t in turns if t.id in overrides},
                     turns=turns, competencies=list(catalogue.competencies), moves=sorted(catalogue.moves),
                     max_comment=MAX_COMMENT_CHARS)


def _turn_change(request: Request, visitor: Visitor, csrf_token: str, turn_id: int, change) -> Response:
    check_csrf(request, visitor.csrf_token, csrf_token)
    with unit_of_work() as session:
        turn = session.get(Turn, turn_id)
        if turn is None:
            return error_page(request, 404, "web_not_found")
        if not change(session, turn):
            return error_page(request, 400, "dash_invalid_input")
        attempt_id = turn.attempt_id
    return RedirectResponse(f"/dashboard/attempts/{attempt_id}#turn-{turn_id}", status_code=303)


@router.post("/turns/{turn_id:int}/comments")
def comment(request: Request, turn_id: int, text: str = Form(""), csrf_token: str = Form("", alias=CSRF_FIELD),
            visitor: Visitor = Depends(reviewing)) -> Response:
    def change(session: Session, turn: Turn) -> bool:
        body = text.strip()
        if not body or len(body) > MAX_COMMENT_CHARS:
            return False
        made = review.add_comment(session, turn, visitor.user_id, body)
        review.audit(session, visitor.user_id, "comment.add", "turn", turn.id, comment=made.id)
        return True

    return _turn_change(request, visitor, csrf_token, turn_id, change)


@router.post("/turns/{turn_id:int}/override")
async def override(request: Request, turn_id: int, visitor: Visitor = Depends(coordinating)) -> Response:
    form = await request.form()
    catalogue = request.app.state.catalogue

    def change(session: Session, turn: Turn) -> bool:
        move = str(form.get("move") or "")
        points = {}
        for competency in catalogue.competencies:
            value = str(form.get(f"points_{competency}") or "").strip()
            if value:
                if filters.whole_number(value) is None or abs(int(value)) > 100:
                    return False
                points[competency] = int(value)
        if (move and move not in catalogue.moves) or not (move or points):
            return False
        made = review.add_override(session, turn, visitor.user_id, move, points)
        review.audit(session, visitor.user_id, "score.override", "turn", turn.id, override=made.id,
                     fields=sorted(points) + (["move"] if move else []))
        return True

    return _turn_change(request, visitor, str(form.get(CSRF_FIELD) or ""), turn_id, change)


@router.get("/trainees")
def trainees(request: Request, visitor: Visitor = Depends(reviewing)) -> HTMLResponse:
    department = request.query_params.get("department") or ""
    with unit_of_work() as session:
        directory = _directory(request, session)
        listing = review.paged(session, review.trainees_query(directory.pseudonyms_in(department)),
                               _page_number(request), PAGE_SIZE)
        rows = [(trainee, directory.person(trainee), count, average, last)
                for trainee, count, average, last in listing.items]
        return _show(request, visitor, "trainees", listing=listing, rows=rows, department=department,
                     departments=directory.departments(), query={"department": department} if department else {})


@router.get("/trainees/{trainee_id:int}")
def trainee(request: Request, trainee_id: int, visitor: Visitor = Depends(reviewing)) -> HTMLResponse:
    language = browser_language(request, request.app.state.settings)
    catalogue = request.app.state.catalogue
    with unit_of_work() as session:
        found = session.get(Trainee, trainee_id)
        if found is None:
            return error_page(request, 404, "web_not_found")
        dates, series = figures.competencies_over_time(found.attempts)
        named = {catalogue.competency_name(c, language) if c in catalogue.competencies else c: v
                 for c, v in series.items()}
        chart = series_chart(request.app.state.templates.env, dates, named, t(language, "dash_competencies_time"),
                             t(language, "dash_attempts_count", count=len(dates))) if dates else None
        review.audit(session, visitor.user_id, "trainee.view", "trainee", found.id)
        return _show(request, visitor, "trainee", trainee=found, person=_directory(request, session).person(found),
                     attempts=list(reversed(found.attempts)), chart=chart)


@router.get("/charts")
def charts(request: Request, visitor: Visitor = Depends(reviewing)) -> HTMLResponse:
    env = request.app.state.templates.env
    language = browser_language(request, request.app.state.settings)
    with unit_of_work() as session:
        departments = figures.department_averages(session, _directory(request, session))
        steps = figures.losing_steps(session)
    return _show(request, visitor, "charts", departments=departments, steps=steps,
                 department_chart=competency_chart(env, [(d, avg) for d, avg, _ in departments], language)
                 if departments else None,
                 steps_chart=competency_chart(env, [(f"{s.scenario} / {s.step}", s.share) for s in steps], language)
                 if steps else None)


@router.get("/calibration")
def calibration(request: Request, visitor: Visitor = Depends(reviewing)) -> HTMLResponse:
    with unit_of_work() as session:
        figures_ = figures.calibration(session)
    return _show(request, visitor, "calibration", calibration=figures_)


# --- coordinators only ------------------------------------------------------------------------

def _download(body: str, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/export/{kind}.csv")
def export_csv(request: Request, kind: str, visitor: Visitor = Depends(coordinating)) -> Response:
    if kind not in ("attempts", "turns"):
        return error_page(request, 404, "web_not_found")
    out = io.StringIO()
    with unit_of_work() as session:
        directory = _directory(request, session)
        f = filters.from_params(dict(request.query_params), directory)
        rows = (csv_export.write_attempts(out, session, directory, f) if kind == "attempts"
                else csv_export.write_turns(out, session, f))
        review.audit(session, visitor.user_id, f"export.csv.{kind}", "attempts", None, rows=rows)
    return _download(out.getvalue(), "text/csv; charset=utf-8", f"qser-{kind}.csv")


@router.get("/export/xapi.json")
def export_xapi(request: Request, visitor: Visitor = Depends(coordinating)) -> Response:
    out = io.StringIO()
    with unit_of_work() as session:
        f = filters.from_params(dict(request.query_params), _directory(request, session))
        count = xapi.write_file(out, xapi.statements(session, xapi.Statements(request.app.state.settings.web_public_url), f))
        review.audit(session, visitor.user_id, "export.xapi", "attempts", None, statements=count)
    return _download(out.getvalue(), "application/json", "qser-xapi.json")


@router.get("/trainees/{trainee_id:int}/export.json")
def export_trainee(request: Request, trainee_id: int, visitor: Visitor = Depends(coordinating)) -> Response:
    with unit_of_work() as session:
        found = session.get(Trainee, trainee_id)
        if found is None:
            return error_page(request, 404, "web_not_found")
        data = gdpr.export_trainee(session, _directory(request, session), found)
        review.audit(session, visitor.user_id, "trainee.export", "trainee", found.id)
    return _download(json.dumps(data, ensure_ascii=False, indent=1), "application/json",
                     f"qser-trainee-{trainee_id}.json")


@router.post("/trainees/{trainee_id:int}/erase")
def erase(request: Request, trainee_id: int, confirm: str = Form(""), csrf_token: str = Form("", alias=CSRF_FIELD),
          visitor: Visitor = Depends(coordinating)) -> Response:
    check_csrf(request, visitor.csrf_token, csrf_token)
    with unit_of_work() as session:
        found = session.get(Trainee, trainee_id)
        if found is None:
            return error_page(request, 404, "web_not_found")
        if confirm != "erase":
            return error_page(request, 400, "dash_invalid_input")
        gdpr.erase_trainee(session, _directory(request, session), found, visitor.user_id,
                           request.app.state.settings.tracker_url)
    return RedirectResponse("/dashboard/trainees?erased=1", status_code=303)


@router.get("/audit")
def audit_log(request: Request, visitor: Visitor = Depends(coordinating)) -> HTMLResponse:
    with unit_of_work() as session:
        listing = review.paged(session, review.audit_query(filters.whole_number(request.query_params.get("actor"))),
                               _page_number(request), PAGE_SIZE * 2)
        return _show(request, visitor, "audit", listing=listing, query={})
