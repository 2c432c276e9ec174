package dev.hubbub.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.history.HistoryQuery;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Limits;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.core.session.ClientIdConnections;
import dev.hubbub.core.limits.ClientIdLimits.OnConnectionLimit;
import dev.hubbub.core.limits.ClientIdLimits;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each app's [meta]identity stream, with the real core: which decisions reach it, with what, for whom, how often. */
class IdentityAuditTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUDIT = ChannelNames.IDENTITY_AUDIT;
    private static final long T0 = 1_700_000_000_000L;

    private final ManualClock clock = new ManualClock(T0);
    private final ManualTimers timers = new ManualTimers(clock);

    private static Capability cap(String json) { return Capability.parse(json).value(); }

    private TestCore core(int rate) { return core(rate, Limits.defaults()); }

    private TestCore core(int rate, Limits limits) {
        return TestCore.builder().clock(clock).timers(timers).audit(rate).limits(limits)
                .key(new ApiKey("appA.admin", "secret-a", Capability.ALL))
                .key(new ApiKey("appA.watch", "secret-w", cap("{\"[meta]identity\":[\"subscribe\",\"history\"]}")))
                .key(new ApiKey("appA.meta", "secret-m", cap("{\"[meta]*\":[\"subscribe\"]}")))
                .key(new ApiKey("appA.room", "secret-r", cap("{\"room\":[\"subscribe\"]}")))
                .key(new ApiKey("appA.root", "secret-x", cap("{\"[*]*\":[\"*\"]}")))
                .key(new ApiKey("appB.admin", "secret-b", Capability.ALL))
                .key(new ApiKey("appB.watch", "secret-bw", cap("{\"[meta]*\":[\"subscribe\"]}")))
                .build();
    }

    private static ProtocolMessage attach(String channel) {
        return new ProtocolMessage(Action.ATTACH, null, channel, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    private static ProtocolMessage publish(String channel, long serial, String clientId) {
        return new ProtocolMessage(Action.MESSAGE, null, channel, null, null, null, null, null, null, serial,
                List.of(Message.of("n", "hi").withClientId(clientId)), null, null, null, null, null);
    }

    /** A connection attached to its app's audit stream. */
    private TestClient watcher(TestCore core, String key) {
        TestClient w = core.connect(key, null, null, null);
        w.send(attach(AUDIT));
        assertEquals(1, w.out().frames(Action.ATTACHED).size(), () -> "not attached: " + w.out().frames());
        return w;
    }

    private static List<Message> events(TestClient w) {
        return w.out().frames(Action.MESSAGE).stream().filter(f -> AUDIT.equals(f.channel()))
                .flatMap(f -> f.messages().stream()).toList();
    }

    private static JsonNode data(Message m) {
        assertEquals("json", m.encoding());
        try {
            return JSON.readTree((String) m.data());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aMasqueradeIsToldToTheAppWithWhoWhereAndWhat() {
        TestCore core = core(20);
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient alice = core.connect("appA.admin:secret-a", "alice", null, null);
        alice.send(publish("room", 0, "mallory"));
        assertEquals(40012, alice.out().only(Action.NACK).error().code());
        assertTrue(events(w).isEmpty(), "written from the timer thread, not the publisher's");

        timers.runDue();

        List<Message> got = events(w);
        assertEquals(1, got.size(), () -> "events: " + got);
        Message m = got.get(0);
        assertEquals("masquerade", m.name());
        assertNull(m.clientId(), "written by the broker, as nobody");
        assertNull(m.connectionId());
        JsonNode d = data(m);
        assertEquals(T0, d.get("time").asLong());
        assertEquals(40012, d.get("code").asInt());
        assertEquals(alice.id(), d.get("connectionId").asText());
        assertEquals("appA.admin", d.get("keyName").asText());
        assertEquals("alice", d.get("clientId").asText());
        assertEquals("mallory", d.get("claimedClientId").asText());
        assertEquals("room", d.get("channel").asText());
        assertEquals("test", d.get("remoteAddress").asText());
    }

    // Rule: a limit per clientId that bites is told to the app's stream (the refused connection's person,
    // the code it was told, the limit); the rate's refusals once per run, not once per message.
    @Test
    void aLimitPerClientIdThatBitesIsTold() {
        TestCore core = TestCore.builder().clock(clock).timers(timers).audit(20)
                .key(new ApiKey("appA.admin", "secret-a", Capability.ALL))
                .key(new ApiKey("appA.watch", "secret-w", cap("{\"[meta]identity\":[\"subscribe\"]}")))
                .clientIdLimits(new ClientIdLimits(Map.of("appA", new ClientIdLimits.App(1, OnConnectionLimit.REFUSE, 2))),
                        ClientIdConnections.Elsewhere.NONE)
                .build();
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient alice = core.connect("appA.admin:secret-a", "alice", null, null);
        RecordingTransport second = new RecordingTransport();
        core.connector.connect(new ConnectRequest("appA.admin:secret-a", null, "alice", "json", "6", true, null, null, "test"),
                second);
        assertEquals(40111, second.closedWith().error().code());
        for (int serial = 0; serial < 5; serial++) { // a burst of 2 passes, then a run of 3 refusals
            alice.send(publish("room", serial, null));
        }
        assertEquals(3, alice.out().frames(Action.NACK).size());
        timers.runDue();

        List<Message> got = events(w).stream().filter(m -> m.name().equals("clientid-limit")).toList();
        assertEquals(2, got.size(), () -> "events: " + events(w));
        JsonNode refused = data(got.get(0));
        assertEquals(40111, refused.get("code").asInt());
        assertEquals("alice", refused.get("clientId").asText());
        assertTrue(refused.get("detail").asText().contains("max 1"), refused::toString);
        assertEquals(42910, data(got.get(1)).get("code").asInt());
    }

    @Test
    void everyRejectedClaimIsNamedByItsReason() {
        TestCore core = core(20);
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient wildcard = core.connect("appA.admin:secret-a", null, null, null);
        wildcard.send(publish("room", 0, "*"));
        wildcard.send(publish("room", 1, ""));
        wildcard.send(attach("room"));
        wildcard.send(new ProtocolMessage(Action.PRESENCE, null, "room", null, null, null, null, null, null, 2L, null,
                List.of(new dev.hubbub.core.protocol.PresenceMessage(null, dev.hubbub.core.protocol.PresenceAction.ENTER,
                        null, null, null, null, null, null)), null, null, null, null));
        timers.runDue();
        assertEquals(List.of("wildcard-claim", "malformed-client-id", "presence-without-identity"),
                events(w).stream().map(Message::name).toList());
    }

    @Test
    void theClaimedClientIdIsEscapedAndCut() {
        TestCore core = core(20);
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient alice = core.connect("appA.admin:secret-a", "alice", null, null);
        alice.send(publish("room", 0, "bob\nINFO forged " + "x".repeat(400)));
        timers.runDue();
        String claimed = data(events(w).get(0)).get("claimedClientId").asText();
        assertTrue(claimed.startsWith("bob\\nINFO forged "), claimed);
        assertTrue(claimed.endsWith("...[" + ("bob\nINFO forged ".length() + 400) + " chars]"), claimed);
        assertTrue(claimed.length() < 160, claimed);
    }

    @Test
    void eachAppHearsOnlyOfItsOwnClients() {
        TestCore core = core(20);
        TestClient a = watcher(core, "appA.watch:secret-w");
        TestClient b = watcher(core, "appB.watch:secret-bw");
        core.connect("appA.admin:secret-a", "alice", null, null).send(publish("room", 0, "mallory"));
        timers.runDue();
        assertEquals(1, events(a).size());
        assertTrue(events(b).isEmpty(), () -> "app B saw app A's event: " + events(b));

        core.connect("appB.admin:secret-b", "bob", null, null).send(publish("room", 0, "eve"));
        timers.runDue();
        assertEquals(1, events(a).size());
        assertEquals("eve", data(events(b).get(0)).get("claimedClientId").asText());
    }

    @Test
    void aFloodIsCutToTheRateAndOneSuppressedEventASecond() {
        TestCore core = core(3);
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient alice = core.connect("appA.admin:secret-a", "alice", null, null);
        for (int i = 0; i < 10; i++) {
            alice.send(publish("room", i, "mallory"));
        }
        timers.runDue();
        assertEquals(3, events(w).size());

        timers.advance(Duration.ofSeconds(1));
        List<Message> got = events(w);
        assertEquals(4, got.size(), () -> "events: " + got);
        assertEquals("suppressed", got.get(3).name());
        assertEquals(7, data(got.get(3)).get("count").asInt());
        assertEquals(7, core.count("broker.identity.audit.suppressed"));

        // the next second starts afresh, and nothing more is suppressed
        alice.send(publish("room", 10, "mallory"));
        timers.advance(Duration.ofSeconds(2));
        assertEquals(List.of("masquerade", "masquerade", "masquerade", "suppressed", "masquerade"),
                events(w).stream().map(Message::name).toList());
    }

    @Test
    void zeroTurnsTheStreamOff() {
        TestCore core = core(0);
        TestClient w = watcher(core, "appA.watch:secret-w");
        core.connect("appA.admin:secret-a", "alice", null, null).send(publish("room", 0, "mallory"));
        timers.advance(Duration.ofSeconds(2));
        assertTrue(events(w).isEmpty());
        assertEquals(0, timers.pending());
    }

    @Test
    void aConnectRefusedForItsCredentialsNamesTheConfiguredKeyButNeverTheSecret() {
        TestCore core = core(20);
        TestClient w = watcher(core, "appA.watch:secret-w");
        RecordingTransport t = new RecordingTransport();
        assertNull(core.connector.connect(new ConnectRequest("appA.admin:wrong-secret-123", null, "alice", "json", "6", true,
                null, null, "10.0.0.7"), t));
        // not a configured key: it could be anything, a secret written the wrong way round included; no app to tell
        assertNull(core.connector.connect(new ConnectRequest("secret-a:appA.admin", null, null, "json", "6", true, null, null,
                "10.0.0.8"), new RecordingTransport()));
        // a claimed clientId no one may have
        assertNull(core.connector.connect(new ConnectRequest("appA.admin:secret-a", null, "*", "json", "6", true, null, null,
                "10.0.0.9"), new RecordingTransport()));
        timers.runDue();

        List<Message> got = events(w);
        assertEquals(List.of("connect-credentials-refused", "connect-identity-refused"), got.stream().map(Message::name).toList());
        JsonNode d = data(got.get(0));
        assertEquals(40101, d.get("code").asInt());
        assertEquals("appA.admin", d.get("keyName").asText());
        assertEquals("alice", d.get("claimedClientId").asText());
        assertEquals("10.0.0.7", d.get("remoteAddress").asText());
        assertTrue(d.get("connectionId").isNull());
        assertEquals(40012, data(got.get(1)).get("code").asInt());
        for (Message m : got) {
            String text = (String) m.data();
            assertFalse(text.contains("wrong-secret") || text.contains("secret-a"), text);
        }
    }

    @Test
    void onlyMetaCapabilitiesReachTheStreamAndNoClientWritesToIt() {
        TestCore core = core(20);
        TestClient all = core.connect("appA.admin:secret-a", null, null, null); // {"*":["*"]}
        all.send(attach(AUDIT));
        assertEquals(40160, all.out().frames(Action.ERROR).get(0).error().code(), () -> "frames: " + all.out().frames());

        watcher(core, "appA.meta:secret-m"); // [meta]*
        TestClient w = watcher(core, "appA.watch:secret-w"); // [meta]identity
        ProtocolMessage attached = w.out().frames(Action.ATTACHED).get(0);
        assertEquals(0, attached.flagsOrZero() & dev.hubbub.core.protocol.Flags.MODE_PUBLISH, "no PUBLISH mode granted");

        TestClient root = core.connect("appA.root:secret-x", null, null, null); // [*]* with every operation
        root.send(attach(AUDIT));
        root.send(publish(AUDIT, 0, null));
        ErrorInfo refused = root.out().only(Action.NACK).error();
        assertEquals(40160, refused.code());
        timers.runDue();
        // the denied attach and the denied publish are themselves on the stream; nothing a client wrote is
        List<Message> got = events(w);
        assertEquals(List.of("capability-denied", "capability-denied"), got.stream().map(Message::name).toList());
        assertEquals("attach", data(got.get(0)).get("detail").asText());
        assertEquals("publish", data(got.get(1)).get("detail").asText());
        assertEquals(AUDIT, data(got.get(1)).get("channel").asText());
    }

    @Test
    void aDeniedAttachIsTold() {
        TestCore core = core(20);
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient roomOnly = core.connect("appA.room:secret-r", "carol", null, null);
        roomOnly.send(attach("payroll"));
        timers.runDue();
        JsonNode d = data(events(w).get(0));
        assertEquals("capability-denied", events(w).get(0).name());
        assertEquals(40160, d.get("code").asInt());
        assertEquals("payroll", d.get("channel").asText());
        assertEquals("carol", d.get("clientId").asText());
        assertEquals("appA.room", d.get("keyName").asText());
    }

    @Test
    void aPublishOverTheInboundRateIsTold() {
        TestCore core = core(20, Limits.defaults().withInboundRates(0, Map.of("appA.admin", 1)));
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient fast = core.connect("appA.admin:secret-a", "alice", null, null);
        fast.send(publish("room", 0, null));
        fast.send(publish("room", 1, null));
        assertEquals(42911, fast.out().only(Action.NACK).error().code());
        timers.runDue();
        Message m = events(w).get(0);
        assertEquals("rate-limited", m.name());
        assertEquals(42911, data(m).get("code").asInt());
        assertEquals(fast.id(), data(m).get("connectionId").asText());
    }

    @Test
    void goingOnOverTheRateIsToldOnceWhenTheConnectionIsEnded() {
        TestCore core = core(20, Limits.defaults().withInboundRates(500, Map.of("appA.admin", 1)));
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient fast = core.connect("appA.admin:secret-a", "alice", null, null);
        fast.send(publish("room", 0, null));
        for (int i = 1; i <= 6 && !fast.out().isClosed(); i++) {
            fast.send(publish("room", i, null));
            clock.advance(Duration.ofMillis(100));
        }
        assertTrue(fast.out().isClosed(), "disconnected for staying over its rate");
        timers.runDue();
        List<String> names = events(w).stream().map(Message::name).toList();
        assertEquals(1, names.stream().filter("rate-disconnected"::equals).count(), names::toString);
        assertEquals("rate-disconnected", names.get(names.size() - 1), names::toString);
        assertEquals(42921, data(events(w).get(names.size() - 1)).get("code").asInt());
    }

    @Test
    void anEnterPastAMemberCapIsTold() {
        TestCore core = TestCore.builder().clock(clock).timers(timers).audit(20)
                .presence(dev.hubbub.core.presence.PresenceSettings.defaults().withMemberCaps(1, 1000))
                .key(new ApiKey("appA.admin", "secret-a", Capability.ALL))
                .key(new ApiKey("appA.watch", "secret-w", cap("{\"[meta]identity\":[\"subscribe\"]}")))
                .build();
        TestClient w = watcher(core, "appA.watch:secret-w");
        TestClient backend = core.connect("appA.admin:secret-a", null, null, null);
        backend.send(attach("room"));
        for (int i = 0; i < 2; i++) {
            backend.send(new ProtocolMessage(Action.PRESENCE, null, "room", null, null, null, null, null, null, (long) i, null,
                    List.of(new dev.hubbub.core.protocol.PresenceMessage(null, dev.hubbub.core.protocol.PresenceAction.ENTER,
                            "user" + i, null, null, null, null, null)), null, null, null, null));
        }
        assertEquals(91003, backend.out().only(Action.NACK).error().code());
        timers.runDue();
        Message m = events(w).get(0);
        assertEquals("presence-limit", m.name());
        assertEquals(91003, data(m).get("code").asInt());
        assertEquals("room", data(m).get("channel").asText());
        assertEquals(backend.id(), data(m).get("connectionId").asText());
    }

    @Test
    void aRevocationSaysHowManyAndOfWhichKindsButNotWhom() {
        TestCore core = core(20);
        TestClient w = watcher(core, "appA.watch:secret-w");
        TokenRevocations revocations = new TokenRevocations(clock, Duration.ofHours(1));
        revocations.onRevoke((keyName, rules, refused) -> core.audit.record(AuditEvent.tokensRevoked(keyName, rules,
                core.audit.now())));
        revocations.revoke("appA.admin", List.of("clientId:bob", "channel:room", "clientId:eve"), null, false);
        timers.runDue();
        Message m = events(w).get(0);
        assertEquals("tokens-revoked", m.name());
        JsonNode d = data(m);
        assertEquals(3, d.get("count").asInt());
        assertEquals("channel,clientId", d.get("detail").asText());
        assertEquals("appA.admin", d.get("keyName").asText());
        assertFalse(((String) m.data()).contains("bob"));
    }

    @Test
    void theStreamIsKeptForHistoryLikeAnyChannel() {
        TestCore core = core(20);
        core.connect("appA.admin:secret-a", "alice", null, null).send(publish("room", 0, "mallory"));
        timers.runDue();
        List<Message> kept = core.log.history(new ChannelKey("appA", AUDIT), new HistoryQuery(null, null, true, 10, null, null))
                .items();
        assertEquals(List.of("masquerade"), kept.stream().map(Message::name).toList());
        assertTrue(core.log.history(new ChannelKey("appB", AUDIT), new HistoryQuery(null, null, true, 10, null, null))
                .items().isEmpty());
    }
}
