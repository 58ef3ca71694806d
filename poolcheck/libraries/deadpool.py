"""deadpool and deadpool-postgres: builder methods and ``PoolConfig``/``Timeouts`` fields."""

from dataclasses import replace

from poolcheck.libraries.table import Default, Era, Knob, Library, Parameter, Requirement, Zero

# Pool::timeout_get treats `wait: Some(0)` as "do not wait": try_acquire, and Timeout(Wait) when no
# slot is free (deadpool 0.12.2 src/managed/mod.rs).
WAIT_ZERO = Zero(
    "`get()` becomes a non-blocking try: it fails with Timeout(Wait) whenever no connection is free "
    "instead of waiting for one",
    "p3",
)
# tokio's timeout polls the future once before the deadline: a connect never finishes on that poll.
CREATE_ZERO = Zero("every new connection fails with Timeout(Create)")
# A Fast recycle finishes on its first poll; a Verified/Clean query does not, so it times out and
# the connection is dropped and replaced on every checkout.
RECYCLE_ZERO = Zero(
    "every recycle check that runs a query (Verified, Clean) times out, so each checkout drops its "
    "connection and opens a new one",
    "p2",
)
# Recycling runs inside Pool::get(); deadpool-postgres and deadpool-diesel default to Fast, which
# checks only `is_closed()`; Verified and Clean run a query (deadpool-postgres 0.14.1
# src/config.rs RecyclingMethod, src/lib.rs Manager::recycle). deadpool-sqlite always runs a query,
# but SQLite pools are exempt from the health-check rule.
RECYCLING_METHODS = {
    "Fast": False,
    "Verified": True,
    "Clean": True,
    "Custom": True,
    "CustomQuery": True,
    "CustomFunction": True,  # diesel-async's: a callback run on every recycle
}
RECYCLING_DEFAULT = "RecyclingMethod::Fast, which checks only is_closed()"
# Managers whose own ManagerConfig defaults to a recycle check that runs a query: diesel-async's
# RecyclingMethod is Verified by #[default] (diesel-async 0.4 - 0.9 src/pooled_connection/mod.rs; 0.3
# pinged on every recycle), for a deadpool pool over it as for diesel-async's own deadpool module.
# deadpool-diesel's (by its crate) defaults to Fast, which runs no query either, only a check for an
# open transaction (deadpool-diesel 0.5.0 - 0.6.1 src/manager.rs; up to 0.4 it ran SELECT 1 each time).
MANAGER_RECYCLING = {
    "AsyncDieselConnectionManager": Default(
        True, note="RecyclingMethod::Verified, which runs a query on every checkout", by="diesel-async"
    ),
    "deadpool_diesel": Default(
        False, note="RecyclingMethod::Fast, which checks only for an open transaction", by="deadpool-diesel"
    ),
}
RECYCLING_CODE = {"recycling_method": ("RecyclingMethod::Verified", "RecyclingMethod::Fast")}
# recycling_method is a ManagerConfig field, given to the manager, not to the pool's builder.
RECYCLING_PLACE = {
    "recycling_method": "Set `recycling_method: {code}` in the `ManagerConfig` the manager is built "
    "with (`Manager::from_config(pg_config, NoTls, ManagerConfig {{ recycling_method: {code} }})`, "
    "or `cfg.manager = Some(ManagerConfig {{ recycling_method: {code} }})`)."
}
# Where `Runtime` is imported from, by database; a Runtime::Tokio1 needs the `rt_tokio_1` feature.
RUNTIME_CRATES = {"postgres": "deadpool_postgres", "sqlite": "deadpool_sqlite"}
# Builder::build returns BuildError::NoRuntimeSpecified when a timeout is set without a runtime
# (deadpool 0.9 - 0.12.2 src/managed/builder.rs), so `.build().unwrap()` panics at start-up;
# Config::create_pool passes its first argument to Builder::runtime (deadpool-postgres 0.10 - 0.14.1).
BUILDER_RUNTIME = Requirement(
    when=("wait_timeout", "create_timeout", "recycle_timeout"),
    needs="runtime",
    code="runtime(Runtime::Tokio1)",
    reason="a timeout needs a runtime: without `.runtime(Runtime::Tokio1)` `build()` returns "
    "BuildError::NoRuntimeSpecified",
)
CONFIG_RUNTIME = Requirement(
    when=("Timeouts.wait", "Timeouts.create", "Timeouts.recycle"),
    needs="create_pool#0",
    code="Some(Runtime::Tokio1)",
    reason="a timeout needs a runtime: without `create_pool(Some(Runtime::Tokio1), ..)` it returns "
    "BuildError::NoRuntimeSpecified",
)
CONFIG_FIELDS = ("wait", "create", "recycle")  # Timeouts' fields: what a Config's pool spells

DEADPOOL = Library(
    name="deadpool",
    language="rust",
    knobs=(
        Knob("max_size", "max_connections", "count"),
        Knob("wait_timeout", "acquire_timeout", "seconds", zero=WAIT_ZERO),
        Knob("create_timeout", "connect_timeout", "seconds", zero=CREATE_ZERO),
        Knob("recycle_timeout", "recycle_timeout", "seconds", zero=RECYCLE_ZERO),
        # The same knobs as PoolConfig { max_size, timeouts: Timeouts { wait, create, recycle } } spells them.
        Knob("wait", "acquire_timeout", "seconds", zero=WAIT_ZERO),
        Knob("create", "connect_timeout", "seconds", zero=CREATE_ZERO),
        Knob("recycle", "recycle_timeout", "seconds", zero=RECYCLE_ZERO),
        # ManagerConfig { recycling_method }: the checkout health check (see RECYCLING_METHODS).
        Knob("recycling_method", "health_check", "flag"),
    ),
    # No lifetime or idle knobs; the recycle timeout bounds the checkout check and has no default.
    defaults={
        "max_connections": Default(
            None, note="CPU-dependent (cores x 4 up to 0.12.2, logical CPUs x 2 from 0.12.3)"
        ),
        "acquire_timeout": Default(None),  # wait: None waits forever
        "connect_timeout": Default(None),
        "health_check": Default(False, note=RECYCLING_DEFAULT),
    },
    # The default max_size by version: num_cpus::get_physical() * 4 through 0.12.2 (src/managed/config.rs
    # PoolConfig::default, 0.8.0 - 0.12.2); num_cpus::get() * 2 from 0.12.3 (src/util.rs
    # get_default_pool_max_size, 0.12.3 and 0.13.0).
    latest="0.13.0",
    eras=(
        Era(
            before="0.12.3",
            defaults={"max_connections": Default(None, note="CPU-dependent (physical cores x 4)")},
        ),
    ),
    # Builder setters and PoolConfig fields (deadpool 0.12.2 src/managed/builder.rs, config.rs);
    # `Config::create_pool(runtime: Option<Runtime>, tls)` in deadpool-postgres 0.10 - 0.14.
    api=(
        Parameter("max_size", "usize"),
        Parameter("wait_timeout", "Option<Duration>"),
        Parameter("create_timeout", "Option<Duration>"),
        Parameter("recycle_timeout", "Option<Duration>"),
        Parameter("runtime", "Runtime"),
        Parameter("PoolConfig::new", "usize"),
        Parameter("PoolConfig.max_size", "usize"),
        Parameter("PoolConfig.timeouts", "Timeouts"),
        Parameter("Timeouts.wait", "Option<Duration>"),
        Parameter("Timeouts.create", "Option<Duration>"),
        Parameter("Timeouts.recycle", "Option<Duration>"),
        Parameter("create_pool#0", "Option<Runtime>"),
    ),
    requirements=(BUILDER_RUNTIME,),
    docs=(
        ("deadpool PoolConfig", "https://docs.rs/deadpool/latest/deadpool/managed/struct.PoolConfig.html"),
        ("deadpool-postgres", "https://docs.rs/deadpool-postgres/latest/deadpool_postgres/"),
    ),
)

# A Config's pool is a PoolConfig: its timeouts are named by the Timeouts fields, and its runtime
# is create_pool's first argument.
DEADPOOL = replace(
    DEADPOOL,
    variants={
        "Config::create_pool": replace(
            DEADPOOL,
            knobs=tuple(replace(k, rank=1) if k.name in CONFIG_FIELDS else k for k in DEADPOOL.knobs),
            requirements=(CONFIG_RUNTIME,),
        )
    },
)
