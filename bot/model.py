"""Training the Rasa model only when its inputs changed.

The model file is named by a hash of everything training reads (config, domain,
NLU data, rules, the pinned Rasa requirements), and kept in the cache folder, so
a second run - or a fresh clone on the same machine - reuses it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from actions.settings import PROJECT_ROOT, get_settings

TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/rules", "requirements/rasa.txt")
# `rasa train`, here and in docker/rasa.Dockerfile (tests/deploy/test_compose.py keeps the two alike)
TRAIN_ARGS = ("train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data/nlu", "data/rules")


def rasa_bin() -> Path:
    return PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"


def rasa_env() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry (no internet here), quiet TensorFlow."""
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1",
               PYTHONWARNINGS="ignore")
    return env


def training_files(root: Path = PROJECT_ROOT) -> list[Path]:
    files = []
    for name in TRAINING_INPUTS:
        path = root / name
        files.extend(sorted(p for p in path.rglob("*.yml")) if path.is_dir() else [path])
    return files


def training_hash(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256()
    for path in training_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return get_settings().cache_dir / "models" / f"qser-{training_hash(root)}.tar.gz"


def ensure_model(root: Path = PROJECT_ROOT, force: bool = False, log=print) -> Path:
    """Return the model for the current training data, training it first if there is none."""
    target = model_path(root)
    if target.exists() and not force:
        log(f"model up to date: {target.name} (training data unchanged)")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = get_settings().var_dir / "train"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log("training the Rasa model (training data changed) ...")
    started = time.monotonic()
    subprocess.run(
        [str(rasa_bin()), *TRAIN_ARGS, "--out", str(work), "--fixed-model-name", target.stem.replace(".tar", ""), "--quiet"],
        cwd=root, env=rasa_env(), check=True,
    )
    produced = next(work.glob("*.tar.gz"))
    shutil.move(str(produced), target)
    log(f"model trained in {time.monotonic() - started:.0f} s: {target}")
    return target
