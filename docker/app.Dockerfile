# The application image: the action server (rasa-sdk), the web app and the Telegram bridge, one
# service each in docker-compose.yml, which also gives each its command (the same as `./qser run` starts).
# Built from the repository root: docker compose build
FROM rasa/rasa-sdk:3.6.2

USER root
WORKDIR /qser
COPY requirements/app.txt requirements/app.txt
RUN pip install --no-cache-dir -r requirements/app.txt
COPY actions actions
COPY bot bot
COPY data data
COPY dialogues dialogues
RUN mkdir -p var && chown -R 1001:0 var && chmod -R g=u var
ENV PYTHONPATH=/qser QSER_VAR_DIR=/qser/var PYTHONUNBUFFERED=1
USER 1001

# The base image's entry point (rasa-sdk's start script) is replaced by the commands themselves.
ENTRYPOINT []
CMD ["python", "-m", "rasa_sdk", "--actions", "actions", "--port", "5055"]
