"""bb8 0.7 - 0.9 and r2d2 0.8 (diesel re-exports r2d2): ``Pool::builder()`` knobs and defaults."""

from poolcheck.libraries.table import Default, Knob, Library

MINUTE = 60.0

KNOBS = (
    Knob("max_size", "max_connections", "count"),
    Knob("min_idle", "min_connections", "count"),
    Knob("connection_timeout", "acquire_timeout", "seconds"),
    Knob("max_lifetime", "max_lifetime", "seconds"),
    Knob("idle_timeout", "idle_timeout", "seconds"),
    Knob("test_on_check_out", "health_check", "flag"),
)

BB8 = Library(
    name="bb8",
    language="rust",
    knobs=KNOBS,
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(0),  # min_idle None
        "acquire_timeout": Default(30.0),
        "max_lifetime": Default(30 * MINUTE),
        "idle_timeout": Default(10 * MINUTE),
        "health_check": Default(True),
    },
    docs=(("bb8 Builder", "https://docs.rs/bb8/latest/bb8/struct.Builder.html"),),
)

R2D2 = Library(
    name="r2d2",
    language="rust",
    knobs=KNOBS,
    # min_idle None means max_size: r2d2 opens the whole pool at start.
    fallbacks={"min_connections": "max_connections"},
    defaults={
        "max_connections": Default(10),
        "min_connections": Default(10),
        "acquire_timeout": Default(30.0),
        "max_lifetime": Default(30 * MINUTE),
        "idle_timeout": Default(10 * MINUTE),
        "health_check": Default(True),
    },
    docs=(
        ("r2d2 Builder", "https://docs.rs/r2d2/latest/r2d2/struct.Builder.html"),
        ("diesel r2d2", "https://docs.rs/diesel/latest/diesel/r2d2/index.html"),
    ),
)
