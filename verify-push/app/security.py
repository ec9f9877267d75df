"""Security headers on every response: what the browser may load, frame, sniff and keep."""

from flask import request

# Only this site's own files: no inline script, no script from elsewhere, no plugins, no
# framing. The pages have no inline script or style (poll.js is a file and reads its
# settings from data- attributes), so this costs nothing and turns most XSS bugs into
# harmless text. `data:` images are Bootstrap's small SVG icons, inside its CSS.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def init_app(app):
    app.after_request(add_security_headers)


def add_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # Take a file for what its Content-Type says, never for what it looks like.
    headers["X-Content-Type-Options"] = "nosniff"
    # frame-ancestors says it to current browsers; this says it to older ones.
    headers["X-Frame-Options"] = "DENY"
    # Other sites learn nothing of our URLs (a `next` may name a private page).
    headers["Referrer-Policy"] = "same-origin"
    # Pages carry CSRF tokens, email addresses, QR codes: no browser or proxy cache may
    # keep a copy. Only the static files (CSS, poll.js) may be cached.
    if not (request.endpoint or "").endswith("static"):
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        # Once a browser has seen the site over HTTPS, it never tries plain HTTP again.
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
