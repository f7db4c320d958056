"""Coordinator review outside the web pages: who is who, exports (CSV, xAPI), GDPR export and erase,
calibration and the dashboard's chart figures. Used by the dashboard (bot/web/dashboard.py) and by
``qser review`` and ``qser export``."""
