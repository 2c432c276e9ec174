package dev.hubbub.core.session;

import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.identity.IdentityAudit;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.publish.Publishing;
import java.time.Clock;
import java.util.Objects;

/**
 * What every session works with, built once by the composition root and shared: exactly the
 * collaborators a {@link Session} calls, nothing it would have to look up.
 *
 * @param authenticator checks the tokens of in-band AUTH
 * @param router        attach and detach
 * @param bus           what must be set up before a first attach to a channel on this node
 * @param publishing    MESSAGE
 * @param log           channel serials, and what an ATTACH replays
 * @param presence      PRESENCE, SYNC, and members leaving with their connection
 * @param disconnects   how a connection ends
 * @param connections   connections that may be resumed
 * @param limits        advertised in CONNECTED, and the channel count per connection
 * @param clock         timestamps and token expiry
 * @param metrics       connections closed
 * @param clientIds     the connections of each clientId, where its app limits them
 * @param audit         the apps' audit streams of identity decisions (refused connects, denied attaches, rate limits)
 */
public record SessionServices(Authenticator authenticator, ChannelRouter router, ChannelBus bus, Publishing publishing,
                              MessageLog log, PresenceService presence, Disconnects disconnects, ConnectionRegistry connections, Limits limits, Clock clock,
                              BrokerMetrics metrics, ClientIdConnections clientIds,
                              IdentityAudit audit) {
    public SessionServices {
        Objects.requireNonNull(audit);
        Objects.requireNonNull(authenticator);
        Objects.requireNonNull(router);
        Objects.requireNonNull(bus);
        Objects.requireNonNull(publishing);
        Objects.requireNonNull(log);
        Objects.requireNonNull(presence);
        Objects.requireNonNull(disconnects);
        Objects.requireNonNull(connections);
        Objects.requireNonNull(limits);
        Objects.requireNonNull(clock);
        Objects.requireNonNull(metrics);
        Objects.requireNonNull(clientIds);
    }
}
