"""The one search of every list: folded (case, accents and the spelling of umlauts and ß) and literal (`%` and `_`
are what they are, never wildcards).

"Krüger" is found as "krüger", "kruger" and "krueger", "Straße" as "strasse": a text is folded twice, once with
umlauts as plain vowels (ü → u) and once spelled out (ü → ue), and a search matches if one of its folds is
contained in one of the text's. Folding keeps ASCII letters (lower case), digits and punctuation, maps the Latin
letters with diacritics to ASCII (the table below, generated from Unicode's decompositions) and drops any other
character, the same in Python (`fold`, for what is typed and for stored folds such as clients' `search_text`)
and in SQL (`folded`, for a column folded as the query reads it: `translate` on PostgreSQL, a function registered
on each SQLite connection).

    query.where(search.matches(q, Agency.name, Agency.email))
"""
import unicodedata

from sqlalchemy import String, false, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

SQLITE_FUNCTION = "bn_fold"
MAX_SEARCH = 200  # characters of a search that count; a longer one is cut
_SPELLED = {"ä": "ae", "ö": "oe", "ü": "ue"}
# Latin-1 supplement, Latin extended A and B, the combining diacritics, Latin extended additional
_RANGES = ((0x00A0, 0x024F), (0x0300, 0x036F), (0x1E00, 0x1EFF))


def _fold_char(char: str, spelled: bool) -> str:
    text = char.casefold()
    if spelled:
        text = "".join(_SPELLED.get(c, c) for c in text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _table(spelled: bool) -> dict[str, str]:
    return {chr(code): _fold_char(chr(code), spelled) for start, end in _RANGES for code in range(start, end + 1)}


_TABLES = {False: _table(False), True: _table(True)}


def fold(text: str | None, spelled: bool = False) -> str:
    """Lower case ASCII: letters with diacritics as their base letter (ü → u, or ue when `spelled`), ß → ss,
    other characters outside ASCII dropped."""
    table = _TABLES[spelled]
    return "".join(table[c] if c in table else c.lower() if c.isascii() else "" for c in (text or ""))


def fold_variants(text: str | None) -> list[str]:
    """The folds of a text: plain (ü → u) and, if it differs, spelled out (ü → ue)."""
    plain, spelled = fold(text), fold(text, spelled=True)
    return [plain] if plain == spelled else [plain, spelled]


def like_escape(text: str) -> str:
    """`text` for a LIKE pattern with the escape character backslash: `%`, `_` and `\\` stand for themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column, text: str) -> ColumnElement:
    """`column` contains `text` literally (ESCAPE '\\'), case as stored."""
    return column.like(f"%{like_escape(text)}%", escape="\\")


def terms(search: str | None) -> list[str]:
    """The folds of a search as typed (trimmed, at most MAX_SEARCH characters); [] for none."""
    search = (search or "").strip()[:MAX_SEARCH]
    return fold_variants(search) if search else []


def matches_folded(search: str | None, *folded_columns) -> ColumnElement | None:
    """Columns that already hold folds (such as `Client.search_text`, kept by the ORM) containing the search;
    None without a search; nothing for a search that folds to nothing (e.g. only characters outside Latin)."""
    variants = terms(search)
    if not variants:
        return None
    if not any(variants):
        return false()
    return or_(*(contains(column, variant) for column in folded_columns for variant in variants))


def matches(search: str | None, *columns) -> ColumnElement | None:
    """Any of `columns` contains the search, both folded (each of its folds against each of theirs); None
    without a search, so that `query.where(...)` is skipped: `if (c := matches(q, ...)) is not None`."""
    return matches_folded(search, *(folded(column, spelled) for column in columns for spelled in (False, True)))


def where_matches(query, search: str | None, *columns):
    """`query` narrowed to rows whose columns contain the search (unchanged without one)."""
    condition = matches(search, *columns)
    return query if condition is None else query.where(condition)


class _Folded(FunctionElement):
    """A column's text folded in SQL exactly as `fold` folds it in Python (plain: ü → u)."""

    type = String()
    inherit_cache = True
    name = SQLITE_FUNCTION
    spelled = False


class _FoldedSpelled(_Folded):
    """The same, umlauts spelled out (ü → ue)."""

    inherit_cache = True
    spelled = True


def folded(column, spelled: bool = False) -> ColumnElement:
    """`column` folded in SQL as `fold(value, spelled)` folds a text in Python."""
    return (_FoldedSpelled if spelled else _Folded)(column)


@compiles(_Folded)
def _folded_sqlite(element, compiler, **kw):  # SQLite (and any other dialect): the registered function
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)}, {int(element.spelled)})"


def _postgres_parts(spelled: bool) -> tuple[list[tuple[str, str]], str, str]:
    """(replacements of one character by several, translate's from, translate's to) for PostgreSQL."""
    table = _TABLES[spelled]
    multi = [(c, out) for c, out in table.items() if len(out) > 1]
    single = [(c, out) for c, out in table.items() if len(out) == 1]
    dropped = [c for c, out in table.items() if not out]
    # translate() deletes the characters of `from` that have no counterpart in `to`
    return multi, "".join(c for c, _ in single) + "".join(dropped), "".join(out for _, out in single)


_POSTGRES = {spelled: _postgres_parts(spelled) for spelled in (False, True)}


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@compiles(_Folded, "postgresql")
def _folded_postgres(element, compiler, **kw):
    multi, source, target = _POSTGRES[element.spelled]
    sql = compiler.process(element.clauses, **kw)
    for char, out in multi:
        sql = f"replace({sql}, {_sql_literal(char)}, {_sql_literal(out)})"
    sql = f"translate({sql}, {_sql_literal(source)}, {_sql_literal(target)})"
    # what the table does not know and is not ASCII goes, as in Python
    return f"lower(regexp_replace({sql}, '[^\\x01-\\x7f]', '', 'g'))"


def register_sqlite(dbapi_connection) -> None:
    """Make `folded` work on a SQLite connection (core.app calls it for every new one)."""
    dbapi_connection.create_function(
        SQLITE_FUNCTION, 2, lambda value, spelled: fold(value, bool(spelled)) if value is not None else None,
        deterministic=True)
