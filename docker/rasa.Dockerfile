# The Rasa server: the official image, with the model trained into it at build time (about a
# minute on 2 cores). The arguments of `rasa train` are bot/model.py's TRAIN_ARGS.
# Built from the repository root: docker compose build
FROM rasa/rasa:3.6.21

ENV RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
WORKDIR /app
COPY --chown=1001:0 config.yml domain.yml endpoints.yml credentials.yml ./
COPY --chown=1001:0 data/nlu data/nlu
COPY --chown=1001:0 data/rules data/rules
RUN rasa train --config config.yml --domain domain.yml --data data/nlu data/rules --out models --fixed-model-name qser --quiet
