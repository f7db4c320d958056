"""The Telegram bridge: python-telegram-bot in front of Rasa's REST channel.

``app.py`` builds the one Application (long polling, or a webhook) and registers the
handlers of ``handlers.py``; ``rasa_client.py`` talks to Rasa with retries, ``render.py``
turns Rasa's replies into safe Telegram messages, ``chart.py`` draws the debrief's
competency chart, ``identity.py`` makes the pseudonymous sender ids and ``traffic.py``
keeps each trainee's updates in order and within a rate limit.
"""
