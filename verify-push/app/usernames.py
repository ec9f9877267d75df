"""Usernames that look alike are one name: how they are compared, and which are refused.

Unicode can write what looks like one name in many ways: Alice and alice, fullwidth
ａｌｉｃｅ, a Cyrillic а among Latin letters, an invisible zero-width space, an accent
typed as a combining character of its own. Left alone, each would register as a new
account that looks like somebody else's.
"""

import unicodedata

# Invisible in a name: control characters (Cc); format characters (Cf) such as the zero-width
# space and joiners and the direction marks; line and paragraph separators (Zl, Zp);
# surrogates (Cs), private-use (Co) and unassigned (Cn) code points.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
# Japanese writes one name with kanji, hiragana and katakana: they count as one script.
JAPANESE = {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "IDEOGRAPHIC"}


def normalize(name):
    """The username as it is stored and shown: Unicode NFKC, with single spaces.

    NFKC turns a compatibility form into the plain character (fullwidth ａ into a, the
    ligature ﬁ into fi), and a letter followed by a combining accent into the accented letter.
    """
    if not isinstance(name, str):
        return name
    return " ".join(unicodedata.normalize("NFKC", name).split())


def key(name):
    """What usernames are compared by: case-folded, and without accents.

    Alice, ALICE, ａｌｉｃｅ and Alicé all have the key "alice": only one of them can
    register, and each of them logs in as that user.
    """
    if not isinstance(name, str):
        return name
    # NFKD writes an accent as a combining character after its letter: leave those out.
    decomposed = unicodedata.normalize("NFKD", normalize(name))
    plain = "".join(c for c in decomposed if not is_accent(c))
    return unicodedata.normalize("NFKC", plain.casefold())


def is_accent(char):
    # The combining accents that go on any letter (U+0300 COMBINING GRAVE ACCENT and the
    # like). A script's own vowel signs, such as Devanagari's, are part of the word and stay.
    return unicodedata.name(char, "").startswith("COMBINING")


def script(letter):
    """A letter's script, the first word of its Unicode name: LATIN SMALL LETTER A is LATIN."""
    word = unicodedata.name(letter, "").split(" ")[0]
    return "JAPANESE" if word in JAPANESE else word


def problem(name):
    """Why a normalised username cannot be registered; None if it can."""
    if any(unicodedata.category(c) in INVISIBLE for c in name):
        return "Usernames cannot contain invisible or control characters."
    letters = [c for c in name if unicodedata.category(c).startswith("L")]
    if len({script(c) for c in letters}) > 1:
        return "Usernames cannot mix scripts, such as Latin and Cyrillic letters."
    return None
