"""The web app: trainee sign-in, the chat page and its embeddable widget, the progress page.

``app.py`` builds the FastAPI app (security headers, error pages); ``auth.py`` knows who is
asking (session cookie, roles, CSRF); ``accounts.py`` keeps users, invites and sessions and
derives each user's pseudonym; ``pages.py`` renders the HTML pages and the widget script;
``api.py`` is the chat page's JSON API, which forwards messages to Rasa's REST channel;
``records.py`` reads a trainee's own practice records; ``charts.py`` draws SVG charts.
Templates and static files are served from this package (no CDN, nothing fetched at run time).
"""
