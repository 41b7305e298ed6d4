"""Full-text search text forms: what goes into the FTS5 index, and what a query becomes.

Pure functions; `index.py` stores and queries, the CLI prints.

Tokenizer: FTS5 `unicode61` with `remove_diacritics 2` (so "kepala" finds "képala") and
the `So` category (symbols: emoji, regional-indicator flags) counted as token characters.
By default unicode61 treats emoji as separators, so they could never be found. Making
them token characters alone is not enough either: "kasih🙏" would be one token, and
"🙏" would not find it. So every symbol is surrounded by U+200B ZERO WIDTH SPACE (a
separator) in the indexed text and in the query, which makes each emoji its own token.
A run of emoji in a query ("🗳️🇮🇩") stays one FTS5 bareword, which FTS5 treats as a
phrase: the emoji must appear together, in that order. No stemming: Indonesian is not
English (porter would do harm); use a prefix query (`netral*`) for word families.

Queries use the FTS5 syntax (`netral OR pemenangan`, `"tim pemenangan"`, `netral*`,
`NEAR(asn kampanye, 5)`, `title:netral`, `NOT`, parentheses). To spare people the
syntax's sharp edges, a word outside quotes that FTS5 would reject because of its
punctuation (`anak-anak`, `budi.s`, `https://x.com/budi`) is quoted for them; a real
syntax error (unbalanced quotes or parentheses, a dangling `OR`) is reported.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "COLUMNS",
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "SEPARATOR",
    "TOKENIZE",
    "fts_query",
    "plain",
    "search_form",
]

TOKENIZE = "unicode61 remove_diacritics 2 categories 'L* N* Co So'"
COLUMNS = ("title", "url", "text")
SEPARATOR = "\u200b"
# snippet() markers: private-use characters, replaced in the indexed text, so a
# captured page can never forge a highlight
HIGHLIGHT_START, HIGHLIGHT_END = "\ue000", "\ue001"

# Non-ASCII characters that are not letters or digits: the only candidates for symbols.
_CANDIDATE = re.compile(r"[^\x00-\x7f\w]")
_BAREWORD = re.compile(r"[\^+]?[\w\u0080-\U0010ffff]+\*?")
_COLUMN_FILTER = re.compile(r"(-?(?:\w+|\{[^}]*\}):)(.*)", re.DOTALL)
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})


def _symbol(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in (HIGHLIGHT_START, HIGHLIGHT_END):
        return "\ufffd"
    if unicodedata.category(ch) == "So":
        return f"{SEPARATOR}{ch}{SEPARATOR}"
    return ch


def search_form(text: str) -> str:
    """The text as indexed: each symbol (emoji) made a token of its own."""
    if text.isascii():
        return text
    return _CANDIDATE.sub(_symbol, text)


def plain(text: str) -> str:
    """Undo `search_form` for display (the separators are invisible anyway)."""
    return text.replace(SEPARATOR, "")


def fts_query(query: str) -> str:
    """A person's query, made into the FTS5 query to run (see the module docstring)."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == '"':
            end = i + 1
            while end < n:
                if query[end] == '"':
                    if end + 1 < n and query[end + 1] == '"':
                        end += 2  # "" is a quote inside a string
                        continue
                    break
                end += 1
            out.append(query[i : end + 1])  # an unterminated string is left for FTS5 to refuse
            i = end + 1
        elif ch == "{":
            end = query.find("}", i)
            end = n - 1 if end < 0 else end
            if end + 1 < n and query[end + 1] == ":":
                end += 1
            out.append(query[i : end + 1])
            i = end + 1
        elif ch.isspace() or ch in "(),":
            out.append(ch)
            i += 1
        else:
            end = i
            while end < n and not (query[end].isspace() or query[end] in '"(),{'):
                end += 1
            out.append(_fix_word(query[i:end]))
            i = end
    return search_form("".join(out))


def _fix_word(word: str) -> str:
    if word in _OPERATORS or _BAREWORD.fullmatch(word):
        return word
    column = _COLUMN_FILTER.fullmatch(word)
    if column and _is_column_spec(column.group(1)):
        rest = column.group(2)
        return column.group(1) + (_fix_word(rest) if rest else "")
    star = word.endswith("*") and len(word) > 1
    body = word[:-1] if star else word
    return '"' + body.replace('"', '""') + '"' + ("*" if star else "")


def _is_column_spec(spec: str) -> bool:
    names = spec.lstrip("-").rstrip(":").strip("{}").split()
    return bool(names) and all(name in COLUMNS for name in names)
