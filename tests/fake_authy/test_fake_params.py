"""Rails-style bracket keys, as Ruby, Go and Rust clients send forms and PHP query strings."""

import pytest

from fake_authy.params import BadParams
from fake_authy.params import nest


@pytest.mark.parametrize(
    ("pairs", "nested"),
    [
        ([("message", "Hi")], {"message": "Hi"}),
        ([("details[Username]", "bob"), ("details[IP]", "10.0.0.1")], {"details": {"Username": "bob", "IP": "10.0.0.1"}}),
        ([("a[b][c]", "1")], {"a": {"b": {"c": "1"}}}),
        ([("ids[]", "1"), ("ids[]", "2")], {"ids": ["1", "2"]}),
        # A key the last hash already has starts the next one, as Rack does.
        (
            [("logos[][res]", "low"), ("logos[][url]", "l.png"), ("logos[][res]", "high"), ("logos[][url]", "h.png")],
            {"logos": [{"res": "low", "url": "l.png"}, {"res": "high", "url": "h.png"}]},
        ),
        ([("message", "a"), ("message", "b")], {"message": "b"}),  # the last one wins
        ([("odd[key", "1"), ("[x]", "2")], {"odd[key": "1", "[x]": "2"}),  # not bracket keys: plain names
    ],
)
def test_bracket_keys_nest(pairs, nested):
    assert nest(pairs) == nested


@pytest.mark.parametrize(
    "pairs",
    [[("a", "1"), ("a[b]", "2")], [("a[]", "1"), ("a[b]", "2")], [("a" + "[x]" * 16, "1")]],
    ids=["value-then-map", "list-then-map", "too-deep"],
)
def test_keys_that_cannot_nest_are_refused(pairs):
    with pytest.raises(BadParams):
        nest(pairs)
