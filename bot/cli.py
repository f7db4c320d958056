"""The project command line: ``./qser <command>`` (or ``python -m bot <command>``)."""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from actions.settings import LANGUAGES, PROJECT_ROOT, get_settings
from actions.store.models import ROLES


def cmd_validate(args: argparse.Namespace) -> int:
    from bot.checks import check_files, check_project
    from bot.model import model_path

    problems = check_files(args.paths) if args.paths else check_project()
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.rasa:
        from bot.model import rasa_bin, rasa_env

        result = subprocess.run([str(rasa_bin()), "data", "validate", "--config", "config.yml", "--domain", "domain.yml",
                                 "--data", "data/nlu", "data/rules"], cwd=PROJECT_ROOT, env=rasa_env())
        if result.returncode:
            problems.append("rasa data validate failed")
    if not args.paths and not model_path().exists():
        print("validate: the NLU data, domain or rules changed since the last trained model, so a retrain is needed:\n"
              "  ./qser train   (./qser run and ./qser test retrain by themselves; scenario edits never need it)")
    if problems:
        print(f"validate: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    checked = ", ".join(args.paths) if args.paths else "scenarios, scenario tests, catalogue and domain"
    print(f"validate: {checked}: no problems")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from actions.catalogue import get_catalogue
    from actions.library import ScenarioLibrary
    from bot.graph import render

    library = ScenarioLibrary(get_settings().dialogues_dir, get_catalogue())
    scenario = library.get(args.scenario)
    if scenario is None:
        known = ", ".join(s.id for s in library.all())
        print(f"graph: no valid scenario '{args.scenario}' (known: {known}); ./qser validate shows why", file=sys.stderr)
        return 1
    for path in render(scenario, library.catalogue, args.out, args.language):
        print(f"wrote {path}")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from bot.play import play

    url = args.url or f"http://127.0.0.1:{get_settings().rasa_port}/webhooks/rest/webhook"
    return play(url, args.scenario, args.language, sys.stdin, interactive=sys.stdin.isatty())


def cmd_docs(args: argparse.Namespace) -> int:
    from bot.schema_docs import DOC, regenerate

    print(f"{DOC}: {'field reference regenerated' if regenerate() else 'up to date'}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.model import ensure_model

    ensure_model(force=args.force)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from actions.store.db import migrate

    migrate()
    print(f"database schema up to date: {get_settings().database_url}")
    return 0


def _telegram_status(settings, stack) -> str:
    if stack.telegram is None:
        return ("Telegram bridge: off. To turn it on, create a bot with @BotFather and run again with "
                "TELEGRAM_BOT_TOKEN=<its token> (README: Telegram).")
    how = f"webhook {settings.telegram_webhook_url}" if settings.telegram_webhook_url else "long polling"
    return f"Telegram bridge: on ({how}); talk to your bot in Telegram. Log: {stack.telegram.log_path}"


def cmd_run(args: argparse.Namespace) -> int:
    from bot.model import ensure_model
    from bot.stack import Stack

    settings = get_settings()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on kill as on Ctrl-C
    telegram = bool(settings.telegram_bot_token)
    from bot.identity import load_key  # the web app and the Telegram bridge derive pseudonyms with it

    note = load_key(settings)[1]
    if note:
        print(note)
    stack = Stack(ensure_model(), telegram=telegram, web=True)
    print("starting the action server, the Rasa server and the web app (loading the model takes up to a minute) ...")
    stack.start()
    print(f"""
The trainer is running (database: {settings.database_url}).
Talk to it through Rasa's REST channel:
  curl -s -XPOST {stack.webhook_url} -H 'Content-Type: application/json' \\
       -d '{{"sender": "trainee-1", "message": "/scenarios"}}'
  curl -s -XPOST {stack.webhook_url} -H 'Content-Type: application/json' \\
       -d '{{"sender": "trainee-1", "message": "/scenario citizen_registration"}}'
Logs: {stack.actions.log_path} and {stack.rasa.log_path}
{_telegram_status(settings, stack)}
Web app: {settings.web_public_url}/chat (log: {stack.web.log_path})
  add a trainee: ./qser users add <username> --role trainee   or send an invite link: ./qser users invite
  embed the chat widget in any page: <script src="{settings.web_public_url}/widget.js" defer></script>
Press Ctrl-C to stop.""", flush=True)
    try:
        while not (stopped := [s for s in stack.services if s.process.poll() is not None]):
            time.sleep(1)
        for service in stopped:
            print(f"the {service.name} stopped unexpectedly; the end of {service.log_path}:\n{service.log_tail()}",
                  file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.web.app import create_app

    settings = get_settings()
    print(f"web app: {settings.web_public_url}/chat (listening on {settings.web_host}:{settings.web_port})", flush=True)
    uvicorn.run(create_app(settings), host=settings.web_host, port=settings.web_port, proxy_headers=True,
                forwarded_allow_ips="127.0.0.1", ws="none", log_level="info")  # no websockets: plain HTTP
    return 0


def _ask_password() -> str | None:
    """A password typed twice (hidden), or None to generate one."""
    import getpass

    from bot.web.accounts import MIN_PASSWORD_CHARS

    password = getpass.getpass(f"password (at least {MIN_PASSWORD_CHARS} characters; empty: generate one): ")
    if password and getpass.getpass("again: ") != password:
        raise SystemExit("users add: the two passwords are not the same")
    return password or None


def cmd_users(args: argparse.Namespace) -> int:
    from actions.messages import t
    from actions.store.db import migrate, unit_of_work
    from bot.web import accounts

    settings = get_settings()
    migrate()
    if args.action == "invite":
        with unit_of_work() as session:
            token = accounts.create_invite(session, settings.web_invite_days, args.role, args.department)
        print(f"{settings.web_public_url}/invite/{token}")
        print(f"(a {args.role} invite{' for ' + args.department if args.department else ''}: works once, "
              f"for {settings.web_invite_days} days)")
        return 0
    typed = _ask_password() if sys.stdin.isatty() else None
    password = typed or accounts.generate_password()
    try:
        with unit_of_work() as session:
            user = accounts.create_user(session, args.username, password, args.role, args.department)
    except accounts.AccountError as refused:
        print(f"users add: {t('en', refused.key, **refused.params)}", file=sys.stderr)
        return 1
    print(f"added {user.role} {user.username}{' (' + user.department + ')' if user.department else ''}; "
          f"they sign in at {settings.web_public_url}/login")
    if typed is None:
        print(f"password: {password}")
    return 0


def _day(value: str):
    from bot.review.filters import day

    parsed = day(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}")
    return parsed


def _add_filters(parser: argparse.ArgumentParser) -> None:
    """The dashboard's attempt filters (bot/review/filters.py) as options."""
    parser.add_argument("--trainee", type=int, help="a trainee's id (as in the dashboard)")
    parser.add_argument("--department", help="the trainees of a department")
    parser.add_argument("--scenario", help="scenario id")
    parser.add_argument("--language", choices=list(LANGUAGES))
    parser.add_argument("--since", type=_day, help="started on or after this day (YYYY-MM-DD)")
    parser.add_argument("--until", type=_day, help="started on or before this day (YYYY-MM-DD)")
    parser.add_argument("--min-score", type=int, help="total at least")
    parser.add_argument("--max-score", type=int, help="total at most")


@contextmanager
def _review_session():
    """A unit of work on the configured database, and the directory that names the trainees in it."""
    from actions.store.db import unit_of_work
    from bot.review.people import Directory
    from bot.identity import load_key

    settings = get_settings()
    with unit_of_work(settings.database_url) as session:
        yield session, Directory(session, load_key(settings)[0])


def _filter(args: argparse.Namespace, directory):
    from bot.review.filters import FIELDS, attempt_filter

    return attempt_filter(directory, **{name: getattr(args, name) for name in FIELDS})


def _plain(text: object) -> str:
    """Text for the terminal: control characters (escape sequences) shown as codes, never run."""
    return "".join(c if c.isprintable() or c == "\n" else f"\\x{ord(c):02x}" for c in str(text))


def _points(points: dict) -> str:
    return ", ".join(f"{name} {value:+d}" for name, value in sorted(points.items())) or "none"


def _review_list(args: argparse.Namespace) -> int:
    from actions.store import review

    with _review_session() as (session, directory):
        listing = review.paged(session, review.attempts_query(_filter(args, directory)), args.page, args.limit)
        print(f"{'id':>6}  {'started (UTC)':16}  {'trainee':14}  {'department':18}  {'scenario':24}  lang  mode   "
              f"total  ending")
        for attempt, trainee in listing.items:
            person = directory.person(trainee)
            total = "" if attempt.total is None else attempt.total
            print(f"{attempt.id:>6}  {attempt.started_at:%Y-%m-%d %H:%M}  {_plain(person.name):14}  "
                  f"{_plain(person.department or ''):18}  {attempt.scenario_id:24}  {attempt.language:4}  "
                  f"{attempt.mode:5}  {total:>5}  {attempt.ending or ''}")
        print(f"page {listing.number} of {listing.pages} ({listing.total} attempts)")
    return 0


def _review_show(args: argparse.Namespace) -> int:
    from actions.store import review
    from actions.store.models import Attempt

    with _review_session() as (session, directory):
        attempt = session.get(Attempt, args.attempt_id)
        if attempt is None:
            print(f"review show: no attempt {args.attempt_id} (qser review list shows them)", file=sys.stderr)
            return 1
        person, turns = directory.person(attempt.trainee), attempt.turns
        ids = [turn.id for turn in turns]
        comments, overrides = review.comments_by_turn(session, ids), review.latest_overrides(session, ids)
        review.audit(session, None, "attempt.view", "attempt", attempt.id)
        print(f"attempt {attempt.id}: {attempt.scenario_id} ({attempt.language}, {attempt.mode}) by "
              f"{_plain(person.name)}{' (' + _plain(person.department) + ')' if person.department else ''}")
        print(f"started {attempt.started_at:%Y-%m-%d %H:%M}, "
              + (f"ended {attempt.ended_at:%Y-%m-%d %H:%M}: {attempt.ending} ({attempt.ending_type}), "
                 f"total {attempt.total}; scores: {_points(attempt.scores or {})}" if attempt.ended_at else "not ended"))
        for turn in turns:
            move, points = review.corrected(turn, overrides.get(turn.id))
            print(f"\nturn {turn.index} (step {turn.step})")
            print(f"  employee:   {_plain(turn.employee_text)}")
            print(f"  move:       {turn.move} (confidence {turn.confidence:.2f})")
            print(f"  points:     {_points(turn.points)}")
            if turn.id in overrides:
                print(f"  corrected:  {move}; {_points(points)}")
            print(f"  feedback:   {_plain(turn.feedback) or '-'}")
            print(f"  client:     {_plain(turn.client_reply)}")
            for comment in comments.get(turn.id, []):
                print(f"  comment:    {_plain(comment.text)}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    return _review_list(args) if args.action == "list" else _review_show(args)


def _export_csv(args: argparse.Namespace) -> int:
    from actions.store import review
    from bot.review import csv_export

    args.out.mkdir(parents=True, exist_ok=True)
    with _review_session() as (session, directory):
        f = _filter(args, directory)
        for kind, write in (("attempts", lambda out: csv_export.write_attempts(out, session, directory, f)),
                            ("turns", lambda out: csv_export.write_turns(out, session, f))):
            path = args.out / f"{kind}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                rows = write(out)
            review.audit(session, None, f"export.csv.{kind}", "attempts", None, rows=rows)
            print(f"wrote {path} ({rows} rows)")
    return 0


def _export_xapi(args: argparse.Namespace) -> int:
    from actions.store import review
    from bot.review import xapi

    settings = get_settings()
    endpoint = args.lrs or (None if args.out else settings.lrs_url)
    if not (args.out or endpoint):
        print("export xapi: say where to: --out FILE, or --lrs URL (or set QSER_LRS_URL)", file=sys.stderr)
        return 2
    with _review_session() as (session, directory):
        items = xapi.statements(session, xapi.Statements(settings.web_public_url), _filter(args, directory))
        if args.out:
            with args.out.open("w", encoding="utf-8") as out:
                count = xapi.write_file(out, items)
            where = str(args.out)
        else:
            try:
                count = xapi.post(items, endpoint, args.lrs_user or settings.lrs_user,
                                  args.lrs_password or settings.lrs_password)
            except xapi.LrsError as refused:
                print(f"export xapi: {refused}", file=sys.stderr)
                return 1
            where = endpoint
        review.audit(session, None, "export.xapi", "attempts", None, statements=count)
    print(f"exported {count} xAPI statements to {where}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    return _export_csv(args) if args.format == "csv" else _export_xapi(args)


def cmd_telegram(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.telegram_bot_token:
        print("telegram: TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather and set it (README: Telegram)",
              file=sys.stderr)
        return 2
    from bot.telegram.app import run

    run(settings)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.bench import main as bench_main

    return bench_main(args)


def cmd_nlu_eval(args: argparse.Namespace) -> int:
    from bot.nlu_eval import main as eval_main

    return eval_main(args)


def cmd_test(args: argparse.Namespace) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args.pytest_args], cwd=PROJECT_ROOT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qser", description="Q-SER intercultural communication trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check scenarios, scenario tests, catalogue and domain")
    p.add_argument("paths", nargs="*", help="check only these scenario or scenario test files")
    p.add_argument("--rasa", action="store_true", help="also run `rasa data validate`")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("graph", help="draw a scenario as SVG and PNG (steps, moves, endings)")
    p.add_argument("scenario", help="scenario id")
    p.add_argument("--out", type=Path, default=get_settings().var_dir / "graphs", help="output folder (default var/graphs)")
    p.add_argument("--language", default="en", choices=list(LANGUAGES), help="language of the title")
    p.set_defaults(func=cmd_graph)
    p = sub.add_parser("play", help="play a scenario in the terminal against the running trainer (./qser run)")
    p.add_argument("scenario", help="scenario id")
    p.add_argument("--language", default="en", choices=list(LANGUAGES))
    p.add_argument("--url", help="REST webhook of the Rasa server (default: the local one)")
    p.set_defaults(func=cmd_play)
    sub.add_parser("docs", help="regenerate the field reference in docs/authoring.md").set_defaults(func=cmd_docs)
    p = sub.add_parser("train", help="train the Rasa model if the training data changed")
    p.add_argument("--force", action="store_true", help="train even if a model for this data exists")
    p.set_defaults(func=cmd_train)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    sub.add_parser("run", help="start the trainer locally (action server + Rasa server + web app, Telegram bridge "
                               "if TELEGRAM_BOT_TOKEN is set)").set_defaults(func=cmd_run)
    sub.add_parser("telegram", help="run only the Telegram bridge (talks to the Rasa server at QSER_RASA_URL)"
                   ).set_defaults(func=cmd_telegram)
    sub.add_parser("web", help="run only the web app (talks to the Rasa server at QSER_RASA_URL)"
                   ).set_defaults(func=cmd_web)
    users = sub.add_parser("users", help="web app accounts: add a user, or print an invite link")
    user_actions = users.add_subparsers(dest="action", required=True)
    p = user_actions.add_parser("add", help="add a user (asks for a password, or generates and prints one)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--department", help="e.g. the service or office they work in")
    p.set_defaults(func=cmd_users)
    p = user_actions.add_parser("invite", help="print a single-use, expiring sign-up link")
    p.add_argument("--role", default="trainee", choices=ROLES)
    p.add_argument("--department", help="the department of the account it creates")
    p.set_defaults(func=cmd_users)
    reviewing = sub.add_parser("review", help="practice attempts in the terminal (as the coordinator dashboard)")
    review_actions = reviewing.add_subparsers(dest="action", required=True)
    p = review_actions.add_parser("list", help="attempts, newest first, narrowed by the filters")
    _add_filters(p)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--limit", type=int, default=50, help="attempts per page")
    p.set_defaults(func=cmd_review)
    p = review_actions.add_parser("show", help="an attempt's transcript: per turn the employee's text, move, "
                                               "confidence, points, feedback and the client's reply")
    p.add_argument("attempt_id", type=int)
    p.set_defaults(func=cmd_review)
    export = sub.add_parser("export", help="export attempts as CSV, or as xAPI statements to a file or an LRS")
    formats = export.add_subparsers(dest="format", required=True)
    p = formats.add_parser("csv", help="attempts.csv and turns.csv")
    p.add_argument("--out", type=Path, required=True, help="folder to write them to")
    _add_filters(p)
    p.set_defaults(func=cmd_export)
    p = formats.add_parser("xapi", help="xAPI 1.0.3 statements to a JSON file or a Learning Record Store")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, help="JSON file to write")
    where.add_argument("--lrs", help="the LRS's xAPI endpoint (default QSER_LRS_URL)")
    p.add_argument("--lrs-user", help="basic auth user (default QSER_LRS_USER)")
    p.add_argument("--lrs-password", help="basic auth password (default QSER_LRS_PASSWORD)")
    _add_filters(p)
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("bench", help="measure per-turn latency and throughput against a running stack")
    p.add_argument("--url", nargs="+", help="REST webhook of running Rasa servers, used in turn (default: start a stack)")
    p.add_argument("--users", type=int, nargs="+", default=[1, 20], help="concurrent trainees per round")
    p.add_argument("--turns", type=int, default=200, help="turns measured per round")
    p.add_argument("--database-url", help="database for the stack the benchmark starts")
    p.add_argument("--replicas", type=int, default=1, help="Rasa/action server pairs the stack starts (2+: set "
                   "--lock-store-url or QSER_LOCK_STORE_URL)")
    p.add_argument("--lock-store-url", help="Redis for Rasa's lock store (default: QSER_LOCK_STORE_URL)")
    p.add_argument("--plain", action="store_true", help="send the lines without starting scenarios (any Rasa bot)")
    p.add_argument("--rasa-pid", type=int, help="with --url: report this Rasa process's memory")
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("nlu-eval", help="macro-F1 of move classification on the held-out set")
    p.add_argument("--language", default="en", choices=["en", "es", "el"])
    p.add_argument("--cross-validation", action="store_true", help="5-fold cross-validation on the training data instead")
    p.add_argument("--compare", action="store_true", help="one multilingual model vs one model per language (F1, latency, memory)")
    p.add_argument("--min-f1", type=float, default=0.0, help="exit non-zero below this macro-F1")
    p.set_defaults(func=cmd_nlu_eval)
    p = sub.add_parser("test", help="run the whole test suite (arguments go to pytest)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_test)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
