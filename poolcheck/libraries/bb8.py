"""bb8 0.7 - 0.9 and r2d2 0.8 (diesel re-exports r2d2): ``Pool::builder()`` knobs and defaults."""

from poolcheck.libraries.table import Default, Knob, Library, Parameter, Zero

MINUTE = 60.0

# Both builders assert their bounds (bb8 0.9.1 bb8/src/api.rs, r2d2 0.8.10 src/config.rs):
# `max_size > 0`, `connection_timeout > 0`, and neither `max_lifetime` nor `idle_timeout` is `Some(0)`.
PANICS = "the builder panics when the pool is built (it asserts a positive value)"
# build() asserts `max_size >= min_idle` in both (bb8 0.9.1 Builder::build_inner, r2d2 0.8.10
# Builder::build_unchecked).
ABOVE_MAX = "the builder panics when the pool is built (it asserts min_idle <= max_size)"

KNOBS = (
    Knob("max_size", "max_connections", "count", zero=Zero(PANICS)),
    Knob("min_idle", "min_connections", "count", above_max=Zero(ABOVE_MAX)),
    Knob("connection_timeout", "acquire_timeout", "seconds", zero=Zero(PANICS)),
    Knob("max_lifetime", "max_lifetime", "seconds", zero=Zero(PANICS)),
    Knob("idle_timeout", "idle_timeout", "seconds", zero=Zero(PANICS)),
    Knob("test_on_check_out", "health_check", "flag"),
)

# The setters' parameters. bb8 0.8.x later and 0.9 take `impl Into<Option<..>>` for min_idle,
# max_lifetime and idle_timeout; bb8 0.7 and r2d2 take a plain `Option`: proposed code passes
# `Some(..)`, which every version accepts.
API = (
    Parameter("max_size", "u32"),
    Parameter("min_idle", "Option<u32>"),
    Parameter("connection_timeout", "Duration"),
    Parameter("max_lifetime", "Option<Duration>"),
    Parameter("idle_timeout", "Option<Duration>"),
    Parameter("test_on_check_out", "bool"),
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
    # The reaper closes every connection idle past the timeout, then opens new ones up to min_idle
    # (bb8 0.9.1 bb8/src/internals.rs PoolInternals::reap).
    idle_keeps_min=True,
    api=API,
    docs=(("bb8 Builder", "https://docs.rs/bb8/latest/bb8/struct.Builder.html"),),
    latest="0.9.1",  # Builder::default (bb8 0.9.1 bb8/src/api.rs)
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
    # reap_connections drops connections idle past the timeout and drop_conns opens new ones up to
    # min_idle (r2d2 0.8.10 src/lib.rs): with min_idle None (= max_size) the pool never shrinks.
    idle_keeps_min=True,
    api=API,
    docs=(
        ("r2d2 Builder", "https://docs.rs/r2d2/latest/r2d2/struct.Builder.html"),
        ("diesel r2d2", "https://docs.rs/diesel/latest/diesel/r2d2/index.html"),
    ),
    latest="0.8.10",  # Builder::new (r2d2 0.8.10 src/config.rs)
)
