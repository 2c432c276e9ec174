package dev.hubbub.core.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Whether this node should get traffic: named checks (listening, a cluster backend reachable, ...),
 * each asked afresh on every {@link #ready()} or {@link #failing()}. A check that throws counts as
 * failing. Thread-safe; checks may be registered at any time and must be cheap (a probe runs them
 * all on every request, outside any lock).
 */
public final class Readiness {
    private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();

    /** Adds a check; names are unique (they are what {@link #failing()} reports). */
    public synchronized Readiness register(String name, BooleanSupplier check) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(check, "check");
        if (checks.putIfAbsent(name, check) != null) {
            throw new IllegalArgumentException("a readiness check named '" + name + "' is already registered");
        }
        return this;
    }

    /** True when every check passes (and when there are none). */
    public boolean ready() { return failing().isEmpty(); }

    /** The names of the checks that fail now, in the order they were registered. */
    public List<String> failing() {
        List<Map.Entry<String, BooleanSupplier>> all;
        synchronized (this) {
            all = List.copyOf(checks.entrySet());
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, BooleanSupplier> check : all) {
            if (!passes(check.getValue())) {
                out.add(check.getKey());
            }
        }
        return out;
    }

    private static boolean passes(BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
