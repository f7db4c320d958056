"""The project command line: ``./qser <command>`` (or ``python -m bot <command>``)."""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

from pathlib import Path

from actions.settings import LANGUAGES, PROJECT_ROOT, get_settings


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


def cmd_run(args: argparse.Namespace) -> int:
    from bot.model import ensure_model
    from bot.stack import Stack

    settings = get_settings()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on kill as on Ctrl-C
    stack = Stack(ensure_model())
    print("starting the action server and the Rasa server (loading the model takes up to a minute) ...")
    stack.start()
    print(f"""
The trainer is running (database: {settings.database_url}).
Talk to it through Rasa's REST channel:
  curl -s -XPOST {stack.webhook_url} -H 'Content-Type: application/json' \\
       -d '{{"sender": "trainee-1", "message": "/scenarios"}}'
  curl -s -XPOST {stack.webhook_url} -H 'Content-Type: application/json' \\
       -d '{{"sender": "trainee-1", "message": "/scenario citizen_registration"}}'
Logs: {stack.actions.log_path} and {stack.rasa.log_path}
Telegram bridge and web app: not part of this version yet.
Press Ctrl-C to stop.""", flush=True)
    try:
        while all(s.process.poll() is None for s in (stack.actions, stack.rasa)):
            time.sleep(1)
        print("a service stopped unexpectedly; see the logs above", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


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
    sub.add_parser("run", help="start the trainer locally (action server + Rasa server)").set_defaults(func=cmd_run)
    p = sub.add_parser("bench", help="measure per-turn latency and throughput against a running stack")
    p.add_argument("--url", help="REST webhook of a running Rasa server (default: start a stack)")
    p.add_argument("--users", type=int, nargs="+", default=[1, 20], help="concurrent trainees per round")
    p.add_argument("--turns", type=int, default=200, help="turns measured per round")
    p.add_argument("--database-url", help="database for the stack the benchmark starts")
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
