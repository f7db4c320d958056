"""Move-classification quality: macro-F1 on the held-out set written independently of the training data."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from actions.settings import LANGUAGES, PROJECT_ROOT, get_settings
from bot.model import ensure_model, rasa_bin, rasa_env

HELDOUT = PROJECT_ROOT / "tests" / "data" / "nlu_heldout"


def evaluate(language: str = "en", cross_validation: bool = False, model: Path | None = None) -> dict:
    """Run ``rasa test nlu`` and return its intent report (per intent and macro avg)."""
    out = get_settings().var_dir / f"nlu-eval-{language}{'-cv' if cross_validation else ''}{'-' + model.stem if model else ''}"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(rasa_bin()), "test", "nlu", "--out", str(out), "--no-plot", "--config", "config.yml",
               "--domain", "domain.yml"]
    if cross_validation:
        command += ["--nlu", f"data/nlu/{language}", "--cross-validation", "--folds", "5"]
    else:
        command += ["--nlu", str(HELDOUT / f"{language}.yml"), "--model", str(model or ensure_model())]
    subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "intent_report.json").read_text())


def train_nlu_only(language: str) -> Path:
    """An NLU model trained on one language's data only (for the per-language comparison)."""
    out = get_settings().var_dir / "nlu-per-language"
    name = f"nlu-{language}"
    subprocess.run([str(rasa_bin()), "train", "nlu", "--config", "config.yml", "--nlu", f"data/nlu/{language}",
                    "--out", str(out), "--fixed-model-name", name, "--quiet"],
                   cwd=PROJECT_ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL)
    return out / f"{name}.tar.gz"


def latency(model: Path, language: str) -> dict:
    result = subprocess.run([str(PROJECT_ROOT / ".venv-rasa" / "bin" / "python"), "scripts/nlu_latency.py", str(model),
                             str(HELDOUT / f"{language}.yml")], cwd=PROJECT_ROOT, env=rasa_env(), check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare() -> int:
    """One multilingual model against one model per language: held-out macro-F1, parse latency, memory."""
    joint = ensure_model()
    print("language | model | macro-F1 | accuracy | parse p50 / p95 ms | process RSS MB")
    for language in LANGUAGES:
        for label, model in (("multilingual", joint), ("per-language", train_nlu_only(language))):
            report = evaluate(language, model=model)
            timing = latency(model, language)
            print(f"{language} | {label} | {report['macro avg']['f1-score']:.3f} | {report.get('accuracy', 0):.3f} | "
                  f"{timing['p50_ms']:.1f} / {timing['p95_ms']:.1f} | {timing['rss_mb']}", flush=True)
    return 0


def main(args) -> int:
    if args.compare:
        return compare()
    report = evaluate(args.language, args.cross_validation)
    macro = report["macro avg"]
    kind = "5-fold cross-validation on the training data" if args.cross_validation else "held-out set"
    print(f"NLU {args.language} ({kind}): macro-F1 {macro['f1-score']:.3f}, "
          f"precision {macro['precision']:.3f}, recall {macro['recall']:.3f}, accuracy {report.get('accuracy', 0):.3f}")
    worst = sorted((v["f1-score"], k) for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg", "micro avg"))[:6]
    print("weakest moves: " + ", ".join(f"{k} {f:.2f}" for f, k in worst))
    return 0 if macro["f1-score"] >= args.min_f1 else 1
