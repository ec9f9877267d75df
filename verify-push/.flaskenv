# Read by the `flask` command (python-dotenv) when it runs in this folder.
FLASK_APP=app
# Debug mode reloads on code changes, shows tracebacks and lets the app start with the
# development SECRET_KEY. Never use it on a server.
FLASK_DEBUG=1
