"""python -m fake_authy: run the fake Authy API and the simulated phone.

Run it from the folder of the app it serves (a stage's folder): its state goes to
instance/fake_authy.db there, beside the app's instance/app.db, so that the phone holds that
app's accounts only, and `make clean` (or deleting instance/) empties both together.
"""

import argparse
import logging
import re
import signal
import sqlite3
import sys
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from . import create_app
from .settings import DEFAULT_DB_PATH
from .settings import Settings


class RedactingRequestHandler(WSGIRequestHandler):
    """Werkzeug's request log, without API keys sent in the query string (as Go and PHP do)."""

    def log_request(self, code="-", size="-"):
        # Called once the answer is under way: the app has already read the real path.
        self.path = re.sub(r"(api_key=)[^&]*", r"\1[hidden]", self.path)
        super().log_request(code, size)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fake_authy", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=5001, help="port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--db", default=DEFAULT_DB_PATH,
                        help="SQLite file for the state (default: %(default)s, in the current folder)")
    parser.add_argument(
        "--callback-url",
        help="where to POST signed OneTouch callbacks (default: $FAKE_AUTHY_CALLBACK_URL, else none)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    try:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
        settings = Settings.from_env(db_path=args.db, callback_url=args.callback_url)
        server = make_server(
            args.host, args.port, create_app(settings), threaded=True, request_handler=RedactingRequestHandler
        )
    except (ValueError, OSError, sqlite3.Error) as error:  # a bad setting or --db (Werkzeug explains a busy port)
        sys.exit(f"fake_authy: {error}")
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{server.server_port}"
    # The first line carries the real port: FakeAuthyServer (and people) read it from here.
    print(f"Fake Authy API on {url}  phone: {url}/phone", flush=True)
    print(f"Its state: {Path(args.db).resolve()}", flush=True)

    # Stop cleanly on SIGTERM as on Ctrl-C, so `make demo` and the tests end it quietly.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
