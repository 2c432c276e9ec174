package dev.hubbub.core.session;

import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.limits.ClientIdLimits;
import dev.hubbub.core.limits.LimitBites;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live connections of each person ({@code maxConnectionsPerClientId}): for apps with a
 * connection limit, the identified connections of every clientId, oldest first, by connection
 * id (a resumed connection keeps its id, its place and its one slot). Wildcard and anonymous
 * connections are not counted. A connection counts from its CONNECTED until it ends, or loses
 * its transport (a connection waiting to be resumed does not count; its resume is admitted again).
 *
 * <p>In a cluster the connections on other live nodes count too ({@link Elsewhere}); those of a
 * node whose heartbeat stopped stop counting within its dead-after time. Thread-safe: one
 * person's connections change under one lock (a {@link ConcurrentHashMap#compute}).
 */
public final class ClientIdConnections {
    /** How the connections of other nodes are counted, and this node's published. */
    public interface Elsewhere {
        /** A single node: nobody else. */
        Elsewhere NONE = new Elsewhere() {
            @Override
            public int count(String appId, String clientId) { return 0; }

            @Override
            public void here(String appId, String clientId, int connections) { }
        };

        /**
         * The connections of {@code clientId} on the other live nodes. May block the caller for at
         * most the cluster's command timeout; 0 when the cluster cannot be asked (the limit then
         * holds for this node only).
         */
        int count(String appId, String clientId);

        /** This node now holds {@code connections} of {@code clientId} (0: none); must not block. */
        void here(String appId, String clientId, int connections);
    }

    /** What {@link #admit} decided: refused (error), or admitted with the connections to end for it. */
    record Admitted(ErrorInfo refused, List<Session> toClose) {}

    private record Person(String appId, String clientId) {}

    private final ClientIdLimits limits;
    private final Elsewhere elsewhere;
    private final LimitBites bites;
    /** Per person, its connections by id, oldest first; a slot is null from admission until its session starts. */
    private final ConcurrentHashMap<Person, LinkedHashMap<String, Session>> live = new ConcurrentHashMap<>();

    public ClientIdConnections(ClientIdLimits limits, Elsewhere elsewhere, LimitBites bites) {
        this.limits = Objects.requireNonNull(limits);
        this.elsewhere = Objects.requireNonNull(elsewhere);
        this.bites = Objects.requireNonNull(bites);
    }

    /** No limits anywhere (tests, and the default). */
    public static ClientIdConnections off(LimitBites bites) {
        return new ClientIdConnections(ClientIdLimits.OFF, Elsewhere.NONE, bites);
    }

    /**
     * Takes a slot for connection {@code connectionId} of {@code principal}, or refuses it (40111);
     * under {@code closeOldest}, the connections returned must be ended to make room (the caller
     * ends them, each on its own thread). A connection that already holds a slot (a resume while
     * its old transport is open) keeps it.
     *
     * @param who the new connection's correlation key, for the log line
     */
    Admitted admit(Principal principal, String connectionId, String who) {
        String appId = principal.appId();
        int max = limits.maxConnections(appId);
        if (max <= 0 || !principal.identity().isIdentified()) {
            return new Admitted(null, List.of());
        }
        String clientId = principal.identity().clientId();
        Person person = new Person(appId, clientId);
        LinkedHashMap<String, Session> mine = live.get(person);
        if (mine != null) {
            synchronized (mine) {
                if (mine.containsKey(connectionId)) {
                    return new Admitted(null, List.of());
                }
            }
        }
        int others = elsewhere.count(appId, clientId); // may wait for the cluster: before taking the lock
        ClientIdLimits.OnConnectionLimit policy = limits.onLimit(appId);
        ErrorInfo[] refused = {null};
        List<Session> toClose = new ArrayList<>();
        live.compute(person, (p, conns) -> {
            LinkedHashMap<String, Session> c = conns != null ? conns : new LinkedHashMap<>();
            synchronized (c) {
                if (c.containsKey(connectionId)) {
                    return c;
                }
                int over = others + c.size() + 1 - max;
                if (over > 0 && policy == ClientIdLimits.OnConnectionLimit.CLOSE_OLDEST) {
                    List<Map.Entry<String, Session>> started = c.entrySet().stream().filter(e -> e.getValue() != null).toList();
                    if (started.size() >= over) {
                        for (int i = 0; i < over; i++) {
                            toClose.add(started.get(i).getValue());
                            c.remove(started.get(i).getKey());
                        }
                        over = 0;
                    }
                }
                if (over > 0) {
                    refused[0] = ErrorCode.CONNECTION_LIMIT_REACHED.info("Connection refused: clientId '" + clientId
                            + "' already has " + (others + c.size()) + " connection(s), the most this app allows"
                            + " (maxConnectionsPerClientId " + max + ")");
                    return c.isEmpty() ? null : c;
                }
                c.put(connectionId, null);
                elsewhere.here(appId, clientId, c.size());
                return c;
            }
        });
        if (refused[0] != null) {
            bites.bitten(new LimitBites.Bite(LimitBites.Limit.CONNECTIONS, LimitBites.Action.REFUSED_CONNECTION, appId,
                    clientId, who, 1, max, true));
        }
        for (Session s : toClose) {
            bites.bitten(new LimitBites.Bite(LimitBites.Limit.CONNECTIONS, LimitBites.Action.CLOSED_OLDEST, appId, clientId,
                    s.who(), 1, max, true));
        }
        return new Admitted(refused[0], toClose);
    }

    /** The error an oldest connection is ended with under {@code closeOldest}. */
    ErrorInfo replacedError(Principal principal) {
        return ErrorCode.CONNECTION_REPLACED.info("Connection closed: a newer connection of clientId '"
                + principal.identity().clientId() + "' took its place (maxConnectionsPerClientId "
                + limits.maxConnections(principal.appId()) + ", onConnectionLimit closeOldest)");
    }

    /**
     * The session that now holds the slot of its connection id (admitted just before, or resumed);
     * a slot its old session let go of meanwhile is taken again.
     */
    void started(Session s) {
        Person person = person(s);
        if (person == null) {
            return;
        }
        live.compute(person, (p, conns) -> {
            LinkedHashMap<String, Session> c = conns != null ? conns : new LinkedHashMap<>();
            synchronized (c) {
                boolean added = !c.containsKey(s.connectionId());
                c.put(s.connectionId(), s);
                if (added) {
                    elsewhere.here(p.appId(), p.clientId(), c.size());
                }
                return c;
            }
        });
    }

    /** A session ended, or lost its transport: its slot is free, unless another session (its resume) holds it now. */
    void ended(Session s) {
        Person person = person(s);
        if (person == null) {
            return;
        }
        live.computeIfPresent(person, (p, c) -> {
            synchronized (c) {
                Session holder = c.get(s.connectionId());
                if (holder == s) {
                    c.remove(s.connectionId());
                    elsewhere.here(p.appId(), p.clientId(), c.size());
                }
                return c.isEmpty() ? null : c;
            }
        });
    }

    /** This node's connections of {@code clientId} in {@code appId} that count against the limit. */
    public int count(String appId, String clientId) {
        LinkedHashMap<String, Session> c = live.get(new Person(appId, clientId));
        if (c == null) {
            return 0;
        }
        synchronized (c) {
            return c.size();
        }
    }

    /** Every person this node holds connections of, with how many (for a cluster's periodic refresh). */
    public Map<String, Map<String, Integer>> counts() {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        live.forEach((p, c) -> {
            int n;
            synchronized (c) {
                n = c.size();
            }
            if (n > 0) {
                out.computeIfAbsent(p.appId(), a -> new LinkedHashMap<>()).put(p.clientId(), n);
            }
        });
        return out;
    }

    private Person person(Session s) {
        Principal p = s.principal();
        if (limits.maxConnections(p.appId()) <= 0 || !p.identity().isIdentified()) {
            return null;
        }
        return new Person(p.appId(), p.identity().clientId());
    }
}
