"""A branch taken on a SQLite URL builds a SQLite engine, whatever the URL is at run time."""

from __future__ import annotations

import pytest
from conftest import Snippets

HEAD = "from sqlalchemy import create_engine\nfrom app.config import settings\nURL = settings.DATABASE_URL\n"


@pytest.mark.parametrize(
    ("code", "databases"),
    [
        (
            'if URL.startswith("sqlite"):\n'
            '    engine = create_engine(URL, connect_args={"check_same_thread": False})\n'
            "else:\n    engine = create_engine(URL, pool_size=20, max_overflow=10)\n",
            ["sqlite", "unknown"],
        ),
        (
            'if not URL.startswith("sqlite"):\n    engine = create_engine(URL, pool_size=20)\n'
            "else:\n    engine = create_engine(URL)\n",
            ["unknown", "sqlite"],
        ),
        (
            'if settings.ENV == "test":\n    engine = create_engine("sqlite://")\n'
            'elif "sqlite" in URL:\n    engine = create_engine(URL)\n'
            "else:\n    engine = create_engine(URL, pool_size=20)\n",
            ["sqlite", "sqlite", "unknown"],
        ),
        (
            'engine = create_engine(URL) if make_url(URL).get_backend_name() == "sqlite" else '
            "create_engine(URL, pool_size=20)\n",
            ["sqlite", "unknown"],
        ),
        (
            'engine = create_engine(URL, pool_size=20) if URL != "sqlite:///:memory:" else create_engine(URL)\n',
            ["unknown", "sqlite"],
        ),
        # A test of something else decides nothing: the URL says what it is at run time.
        ("if settings.DEBUG:\n    engine = create_engine(URL, echo=True)\n", ["unknown"]),
    ],
    ids=["if-else", "negated", "elif", "conditional", "not-equal", "other-test"],
)
def test_the_sqlite_branch_is_a_sqlite_engine(snippets: Snippets, code: str, databases: list[str]) -> None:
    sites = snippets.sites(HEAD + code, ".py")
    assert [site.database for site in sites] == databases


def test_the_sqlite_branch_gets_no_pool_findings_and_the_other_does(snippets: Snippets) -> None:
    code = (
        'if URL.startswith("sqlite"):\n'
        '    engine = create_engine(URL, connect_args={"check_same_thread": False})\n'
        "else:\n    engine = create_engine(URL, pool_size=5)\n"
    )
    findings = snippets.findings(HEAD + code, ".py")
    assert {f.span.line for f in findings} == {7}
    assert "PC001" in {f.rule for f in findings}


@pytest.mark.parametrize(
    "code",
    [
        'options = {"pool_size": 5}\nif settings.TESTING:\n    options["poolclass"] = NullPool\n'
        "engine = create_engine(URL, **options)\n",
        "engine = create_engine(URL, pool_size=5, poolclass=NullPool if settings.TESTING else QueuePool)\n",
    ],
    ids=["set-in-a-branch", "conditional"],
)
def test_a_null_pool_in_one_branch_leaves_the_other_a_pool(snippets: Snippets, code: str) -> None:
    head = HEAD + "from sqlalchemy.pool import NullPool, QueuePool\n"
    [site] = snippets.sites(head + code, ".py")
    assert site.pooled
    assert "PC001" in {f.rule for f in snippets.findings(head + code, ".py")}


def test_a_null_pool_always_is_no_pool(snippets: Snippets) -> None:
    head = HEAD + "from sqlalchemy.pool import NullPool\n"
    [site] = snippets.sites(head + "engine = create_engine(URL, poolclass=NullPool)\n", ".py")
    assert not site.pooled


def test_the_other_branch_of_a_sqlite_test_is_no_sqlite_engine_whatever_the_default_url(
    snippets: Snippets,
) -> None:
    code = (
        "from sqlalchemy import create_engine\n"
        'DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///./orders.db")\n'
        'if DATABASE_URL.startswith("sqlite"):\n'
        '    engine = create_engine(DATABASE_URL, connect_args={"check_same_thread": False})\n'
        "else:\n    engine = create_engine(DATABASE_URL, pool_size=5)\n"
    )
    sites = snippets.sites("import os\n" + code, ".py")
    assert [(site.database, site.pooled) for site in sites] == [("sqlite", True), ("unknown", True)]
    assert "PC001" in {f.rule for f in snippets.findings("import os\n" + code, ".py")}


def test_the_url_s_variable_is_kept_for_the_declared_environment_but_not_in_the_sqlite_branch(
    snippets: Snippets,
) -> None:
    code = (
        "import os\n\nfrom sqlalchemy import create_engine\n\n"
        'SQLALCHEMY_DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///./sql_app.db")\n\n'
        'if "sqlite" in SQLALCHEMY_DATABASE_URL:\n'
        "    engine = create_engine(SQLALCHEMY_DATABASE_URL, connect_args={'check_same_thread': False})\n"
        "else:\n    engine = create_engine(SQLALCHEMY_DATABASE_URL, pool_size=10)\n"
        "replica = create_engine(os.environ['REPLICA_URL'])\n"
    )
    sites = snippets.sites(code, ".py")
    # The SQLite branch is SQLite whatever DATABASE_URL holds; the other is never SQLite.
    assert [(s.database, s.database_env, s.sqlite_excluded) for s in sites] == [
        ("sqlite", None, False),
        ("unknown", "DATABASE_URL", True),
        ("unknown", "REPLICA_URL", False),
    ]
