"""Move-classification quality: macro-F1 on the held-out set written independently of the training data."""
from __future__ import annotations

import json
import shutil
import subprocess

from actions.settings import PROJECT_ROOT, get_settings
from bot.model import ensure_model, rasa_bin, rasa_env

HELDOUT = PROJECT_ROOT / "tests" / "data" / "nlu_heldout"


def evaluate(language: str = "en", cross_validation: bool = False) -> dict:
    """Run ``rasa test nlu`` and return its intent report (per intent and macro avg)."""
    out = get_settings().var_dir / f"nlu-eval-{language}{'-cv' if cross_validation else ''}"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(rasa_bin()), "test", "nlu", "--out", str(out), "--no-plot", "--config", "config.yml",
               "--domain", "domain.yml"]
    if cross_validation:
        command += ["--nlu", f"data/nlu/{language}", "--cross-validation", "--folds", "5"]
    else:
        command += ["--nlu", str(HELDOUT / f"{language}.yml"), "--model", str(ensure_model())]
    subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL)
    return json.loads((out / "intent_report.json").read_text())


def main(args) -> int:
    report = evaluate(args.language, args.cross_validation)
    macro = report["macro avg"]
    kind = "5-fold cross-validation on the training data" if args.cross_validation else "held-out set"
    print(f"NLU {args.language} ({kind}): macro-F1 {macro['f1-score']:.3f}, "
          f"precision {macro['precision']:.3f}, recall {macro['recall']:.3f}, accuracy {report.get('accuracy', 0):.3f}")
    worst = sorted((v["f1-score"], k) for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg", "micro avg"))[:6]
    print("weakest moves: " + ", ".join(f"{k} {f:.2f}" for f, k in worst))
    return 0 if macro["f1-score"] >= args.min_f1 else 1
