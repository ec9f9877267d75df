"""Reading request parameters however a client sends them.

Official Authy clients disagree: Python, Java and Node send JSON; Ruby, Go and Rust send
forms with Rails bracket keys (`details[Username]=bob`, `logos[][res]=low`); PHP puts
everything in the query string. The real service (a Rails app) accepted all three.
"""

import json
import re

# A bracket key: a name followed by any number of [segments], e.g. logos[][res].
BRACKET_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# Deeper keys than this are refused rather than built (a cheap way to make a huge tree).
MAX_DEPTH = 16


class BadParams(ValueError):
    """The parameters cannot be read; the message says why."""


def request_params(request):
    """The query string and (for POST) the body, merged into one nested dict."""
    params = nest(request.args.items(multi=True))
    if request.method == "POST":
        if request.is_json:
            params.update(json_object(request.get_data()))
        else:
            params.update(nest(request.form.items(multi=True)))
    return params


def json_object(data):
    """A JSON object from raw bytes (an empty body is an empty object)."""
    if not data.strip():
        return {}
    try:
        value = json.loads(data)
    except ValueError:  # also invalid UTF-8: UnicodeDecodeError is a ValueError
        raise BadParams("the body is not valid JSON") from None
    except RecursionError:  # "[[[[..." a million deep
        raise BadParams("the JSON body is nested too deeply") from None
    if not isinstance(value, dict):
        raise BadParams("the JSON body must be an object")
    return value


def nest(pairs):
    """Rails-style bracket keys to nested values.

    `a[b]=1` gives {"a": {"b": "1"}}; `a[]=1&a[]=2` gives {"a": ["1", "2"]}; and
    `l[][x]=1&l[][y]=2&l[][x]=3` gives {"l": [{"x": "1", "y": "2"}, {"x": "3"}]}: a key that
    the last hash in the list already has starts a new hash, as in Rack.
    """
    root = {}
    for key, value in pairs:
        match = BRACKET_KEY.fullmatch(key)
        parts = [match[1], *SEGMENT.findall(match[2])] if match else [key]
        if len(parts) > MAX_DEPTH:
            raise BadParams(f"the parameter {parts[0]} is nested too deeply")
        _assign(root, parts, value)
    return root


def id_text(value):
    """A user id sent as text or as a whole number, as text; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and value else None


def _assign(container, parts, value):
    name, rest = parts[0], parts[1:]
    if not rest:
        container[name] = value  # the last value wins, as in Rails
    elif rest[0] != "":
        _assign(_child(container, name, dict), rest, value)
    elif len(rest) == 1:
        _child(container, name, list).append(value)
    else:
        items = _child(container, name, list)
        if not items or not isinstance(items[-1], dict) or rest[1] in items[-1]:
            items.append({})
        _assign(items[-1], rest[1:], value)


def _child(container, name, kind):
    child = container.setdefault(name, kind())
    if not isinstance(child, kind):  # e.g. a=1 then a[b]=2
        raise BadParams(f"the parameter {name} is given both as a value and as a {kind.__name__}")
    return child
