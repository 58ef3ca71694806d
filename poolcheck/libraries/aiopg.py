"""aiopg: ``create_pool`` (and ``aiopg.sa.create_engine``) keyword arguments and defaults."""

from poolcheck.libraries.table import Default, Knob, Library

AIOPG = Library(
    name="aiopg",
    language="python",
    knobs=(
        Knob("maxsize", "max_connections", "count", disabled_by=(0,)),
        Knob("minsize", "min_connections", "count"),
        Knob("timeout", "acquire_timeout", "seconds"),  # also bounds opening a connection
        # Measured from a connection's last use, so it is an idle timeout; -1 disables it.
        Knob("pool_recycle", "idle_timeout", "seconds", disabled_by=(-1,)),
    ),
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(1),
        "acquire_timeout": Default(60.0),
        "idle_timeout": Default(None),
    },
    docs=(("aiopg Pool", "https://aiopg.readthedocs.io/en/stable/core.html#pool"),),
)
