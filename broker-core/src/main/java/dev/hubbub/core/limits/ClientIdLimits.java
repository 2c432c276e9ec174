package dev.hubbub.core.limits;

import java.util.Map;
import java.util.Objects;

/**
 * Limits per person: per app, how many connections one clientId may hold at once and how many
 * messages it may publish per second across all of them. Off unless configured, app by app.
 * Immutable.
 */
public record ClientIdLimits(Map<String, App> byApp) {
    /** No app has a limit. */
    public static final ClientIdLimits OFF = new ClientIdLimits(Map.of());

    /** What happens to the connection that would pass {@link App#maxConnections}. */
    public enum OnConnectionLimit {
        /** The new connection is refused (ERROR 40111); those already connected stay. */
        REFUSE,
        /** The oldest connection of that clientId is ended (ERROR 40150) and the new one connects. */
        CLOSE_OLDEST
    }

    /**
     * One app's limits.
     *
     * @param maxConnections concurrent connections per clientId; 0: no limit
     * @param onLimit        what a connection over {@code maxConnections} does
     * @param maxPublishRate messages per second per clientId, across its connections (and the REST
     *                       publishes made in its name); 0: no limit
     */
    public record App(int maxConnections, OnConnectionLimit onLimit, int maxPublishRate) {
        public App {
            Objects.requireNonNull(onLimit);
            if (maxConnections < 0 || maxPublishRate < 0) {
                throw new IllegalArgumentException("limits must be >= 0");
            }
        }
    }

    public ClientIdLimits {
        byApp = Map.copyOf(byApp);
    }

    /** The connection limit of {@code appId}'s clientIds; 0: none. */
    public int maxConnections(String appId) {
        App a = byApp.get(appId);
        return a == null ? 0 : a.maxConnections();
    }

    /** The policy of {@code appId} past its connection limit. */
    public OnConnectionLimit onLimit(String appId) {
        App a = byApp.get(appId);
        return a == null ? OnConnectionLimit.REFUSE : a.onLimit();
    }

    /** The publish rate of {@code appId}'s clientIds (messages per second); 0: none. */
    public int maxPublishRate(String appId) {
        App a = byApp.get(appId);
        return a == null ? 0 : a.maxPublishRate();
    }

    /** Whether some app limits publishing per clientId. */
    public boolean limitsPublishing() {
        return byApp.values().stream().anyMatch(a -> a.maxPublishRate() > 0);
    }
}
