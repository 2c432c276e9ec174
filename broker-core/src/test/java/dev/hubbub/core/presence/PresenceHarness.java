package dev.hubbub.core.presence;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenClaims;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Connector;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Limits;
import dev.hubbub.core.session.Session;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The real core graph (router, identity gate, publish funnel, presence service) with a hand-driven clock and timers,
 * and clients made of a real Session over a {@link RecordingTransport}.
 *
 * <p>Keys: {@code app.all} (everything), {@code app.nopresence} (subscribe + publish), {@code app.presenceonly}
 * (presence only). Tokens: {@code anon} (no clientId), {@code wild} ({@code *}), {@code eve-60s} (clientId eve,
 * expires a minute after the harness starts).
 */
final class PresenceHarness {
    static final String APP = "app";
    static final long START = 1_700_000_000_000L;

    final ManualClock clock = new ManualClock(START);
    final ManualTimers timers = new ManualTimers(clock);
    final TestCore core;
    final ChannelRouter router;
    final Connector broker;

    PresenceHarness() { this(PresenceSettings.defaults()); }

    PresenceHarness(PresenceSettings settings) {
        List<ApiKey> keys = List.of(
                new ApiKey("app.all", "secret", Capability.ALL),
                new ApiKey("app.nopresence", "secret", Capability.parse("{\"*\":[\"subscribe\",\"publish\"]}").value()),
                new ApiKey("app.presenceonly", "secret", Capability.parse("{\"*\":[\"presence\"]}").value()));
        TokenVerifier tokens = token -> switch (token) {
            case "anon" -> Outcome.ok(new TokenClaims("app.all", APP, null, Capability.ALL, START, Long.MAX_VALUE));
            case "wild" -> Outcome.ok(new TokenClaims("app.all", APP, "*", Capability.ALL, START, Long.MAX_VALUE));
            case "eve-60s" -> Outcome.ok(new TokenClaims("app.all", APP, "eve", Capability.ALL, START, START + 60_000));
            default -> Outcome.fail(ErrorCode.TOKEN_UNRECOGNISED.info());
        };
        TestCore.Builder b = TestCore.builder().tokens(tokens).clock(clock).timers(timers).presence(settings);
        keys.forEach(b::key);
        core = b.build();
        router = core.router;
        broker = core.connector;
    }

    PresenceService presence() { return core.presence; }

    static ChannelKey key(String channel) { return new ChannelKey(APP, channel); }

    Client key(String keyName, String clientId) {
        return connect(new ConnectRequest(keyName + ":secret", null, clientId, "json", "2", true, null, null, "test", null));
    }

    Client token(String token) {
        return connect(new ConnectRequest(null, token, null, "json", "2", true, null, null, "test", null));
    }

    Client connect(ConnectRequest request) {
        RecordingTransport t = new RecordingTransport((task, delay) -> timers.schedule(task, delay)::cancel);
        Session s = broker.connect(request, t);
        assertNotNull(s, () -> "refused: " + t.frames());
        t.clear();
        return new Client(s, t);
    }

    static PresenceMessage item(PresenceAction action, String clientId, String data) {
        return new PresenceMessage(null, action, clientId, null, data, null, null, null);
    }

    /** One connected client. */
    static final class Client {
        final Session session;
        final RecordingTransport transport;
        private long msgSerial;

        Client(Session session, RecordingTransport transport) {
            this.session = session;
            this.transport = transport;
        }

        String id() { return session.connectionId(); }

        /** ATTACH with default modes; returns the frames it caused (ATTACHED, SYNC pages). */
        List<ProtocolMessage> attach(String channel) { return attach(channel, null); }

        List<ProtocolMessage> attach(String channel, Integer flags) {
            transport.clear();
            session.handle(new ProtocolMessage(Action.ATTACH, null, channel, null, null, null, null, null, flags, null,
                    null, null, null, null, null, null));
            return transport.frames();
        }

        /** ATTACH with default modes and channel params; returns the frames it caused. */
        List<ProtocolMessage> attachWith(String channel, java.util.Map<String, String> params) {
            transport.clear();
            session.handle(new ProtocolMessage(Action.ATTACH, null, channel, null, null, null, null, null, null, null,
                    null, null, null, null, params, null));
            return transport.frames();
        }

        List<ProtocolMessage> detach(String channel) {
            transport.clear();
            session.handle(new ProtocolMessage(Action.DETACH, null, channel, null, null, null, null, null, null, null,
                    null, null, null, null, null, null));
            return transport.frames();
        }

        List<ProtocolMessage> requestSync(String channel) {
            transport.clear();
            session.handle(ProtocolMessage.presence(Action.SYNC, channel, null, null, null, null, null));
            return transport.frames();
        }

        void close() { session.handle(ProtocolMessage.of(Action.CLOSE)); }

        /** Sends one PRESENCE frame with the next msgSerial; returns the ACK or NACK it got. */
        ProtocolMessage presence(String channel, PresenceMessage... items) {
            long serial = msgSerial++;
            int before = transport.frames().size();
            session.handle(new ProtocolMessage(Action.PRESENCE, null, channel, null, null, null, null, null, null, serial,
                    null, Arrays.asList(items), null, null, null, null));
            List<ProtocolMessage> after = transport.frames().subList(before, transport.frames().size());
            return after.stream().filter(m -> m.action() == Action.ACK || m.action() == Action.NACK)
                    .filter(m -> m.msgSerial() == serial).findFirst()
                    .orElseThrow(() -> new AssertionError("no ACK/NACK for msgSerial " + serial + ": " + after));
        }

        ProtocolMessage enter(String channel, String data) {
            return presence(channel, item(PresenceAction.ENTER, null, data));
        }

        /** Every presence event received on a channel (PRESENCE frames only), in order. */
        List<PresenceMessage> events(String channel) {
            List<PresenceMessage> out = new ArrayList<>();
            for (ProtocolMessage m : transport.frames()) {
                if (m.action() == Action.PRESENCE && channel.equals(m.channel())) {
                    out.addAll(m.presence());
                }
            }
            return out;
        }

        List<ProtocolMessage> frames(Action action) {
            return transport.frames().stream().filter(m -> m.action() == action).toList();
        }
    }
}
