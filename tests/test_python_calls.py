"""Python: an entry call is found wherever the statement holding it starts and however it is named.

Only the statements whose lines name an entry (or a name bound to one) are walked;
these cases sit where a line search could miss them.
"""

from __future__ import annotations

import pytest
from conftest import Snippets

from poolcheck.frontends.python.bindings import ModuleBindings
from poolcheck.frontends.python.calls import calling_names, naming_lines
from poolcheck.frontends.python.syntax import parse


@pytest.mark.parametrize(
    "code",
    [
        # in a decorator, on a line above the definition's own
        "import sqlalchemy as sa\n\n@register(\n    sa.create_engine(URL, pool_size=7),\n)\ndef handler():\n    pass\n",
        # the method name on a line of its own in a statement that starts above it
        "import sqlalchemy as sa\nengine = (\n    sa\n    .create_engine(URL, pool_size=7)\n)\n",
        # an alias of an alias
        "import sqlalchemy as sa\nmake = sa.create_engine\nbuild = make\nengine = build(URL, pool_size=7)\n",
        # a subclass, called in a nested function
        "from psycopg_pool import ConnectionPool\nclass Traced(ConnectionPool):\n    pass\n"
        "def app():\n    def pool():\n        return Traced(DSN, max_size=7)\n    return pool\n",
        # an identifier the parser reads in NFKC form (PEP 3131): fullwidth letters
        "from sqlalchemy import create_engine\nengine = \uff43\uff52eate_engine(URL, pool_size=7)\n",
    ],
    ids=["decorator", "continued-line", "alias-of-alias", "subclass-in-closure", "nfkc-identifier"],
)
def test_entry_calls_are_found(snippets: Snippets, code: str) -> None:
    site = snippets.site(code, ".py")
    assert [setting.value for _, setting in site.knobs if setting.expr == "7"] == [7]


def test_names_that_can_call_an_entry() -> None:
    code = "import sqlalchemy as sa\nmake = sa.create_engine\nother = sa.text\nhelper = make\n"
    names = calling_names(ModuleBindings(parse(code).root))
    assert {"make", "helper", "create_engine"} <= names
    assert not {"sa", "other"} & names


def test_lines_naming_them() -> None:
    lines = ["import x", "e = make(u)", "", "f = (", "    x.make(u))"]
    assert naming_lines(lines, frozenset({"make"})) == [2, 5]
