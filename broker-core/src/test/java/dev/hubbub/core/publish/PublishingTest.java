package dev.hubbub.core.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.session.Limits;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.testkit.TestSubscriber;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The publish funnel in core, no network: every rule holds the same for a realtime MESSAGE and a
 * REST publish, because both go through {@link Publishing}. Each rule has a case here that fails
 * if the rule is taken out; a refused publish delivers nothing and counts nothing.
 */
class PublishingTest {
    private static final String APP = "app1";

    private final TestCore core = TestCore.builder().limits(new Limits(1024, 524288, 250, 15_000, 120_000, 1000, "t")).build();
    private final RecordingTransport watcher = new RecordingTransport();

    PublishingTest() {
        core.router.attach(new ChannelKey(APP, "room"), new TestSubscriber("watcher", true, watcher), Flags.MODE_SUBSCRIBE);
    }

    static Stream<Arguments> origins() {
        return Stream.of(Arguments.of("realtime", PublishRequest.realtime("conn1", 7, Flags.DEFAULT_MODES)),
                Arguments.of("rest", PublishRequest.REST));
    }

    private static Principal principal(ClientIdentity identity, Capability capability) {
        return new Principal(APP, APP + ".k", Principal.CredentialKind.TOKEN, identity, capability, Long.MAX_VALUE);
    }

    private static final Principal ALICE = principal(ClientIdentity.identified("alice"), Capability.ALL);
    private static final Principal WILDCARD = principal(ClientIdentity.WILDCARD, Capability.ALL);

    private Outcome<PublishResult> publish(PublishRequest.Origin origin, Principal p, String channel, Message... messages) {
        return core.publishing.publish(new PublishRequest("test", p, channel, List.of(messages), origin))
                .toCompletableFuture().join(); // the local bus answers on the publisher's thread
    }

    private void assertRefused(int code, Outcome<PublishResult> outcome) {
        assertTrue(!outcome.isOk(), () -> "expected " + code + ", was " + outcome);
        assertEquals(code, outcome.error().code(), outcome::toString);
        assertTrue(watcher.frames().isEmpty(), "a refused publish delivers nothing");
        assertEquals(0, core.count("broker.messages.in"), "a refused publish is not counted");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void anAcceptedPublishCarriesTheBoundClientIdAndIsCountedOnce(String name, PublishRequest.Origin origin) {
        Outcome<PublishResult> r = publish(origin, ALICE, "room", Message.of("n", "hi"));
        assertTrue(r.isOk(), r::toString);
        List<ProtocolMessage> got = watcher.frames();
        assertEquals(1, got.size());
        assertEquals("alice", got.get(0).messages().get(0).clientId(), "filled in by the identity gate");
        assertEquals(1, core.count("broker.messages.in"));
        assertEquals(r.value().serials().get(0), got.get(0).messages().get(0).serial());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void channelNameRule(String name, PublishRequest.Origin origin) {
        assertRefused(40010, publish(origin, ALICE, "", Message.of("n", "x")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void messagesMustBePresent(String name, PublishRequest.Origin origin) {
        assertRefused(40000, publish(origin, ALICE, "room"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void publishCapabilityRule(String name, PublishRequest.Origin origin) {
        Principal subscriber = principal(ClientIdentity.identified("alice"), Capability.parse("{\"*\":[\"subscribe\"]}").value());
        assertRefused(40160, publish(origin, subscriber, "room", Message.of("n", "x")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void masqueradeRule(String name, PublishRequest.Origin origin) {
        assertRefused(40012, publish(origin, ALICE, "room", Message.of("n", "x").withClientId("mallory")));
        assertEquals(1, core.count("broker.identity.rejected", "reason", "masquerade"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void onlyMessageCreationRule(String name, PublishRequest.Origin origin) {
        Message update = new Message(null, null, null, null, "n", "x", null, null, null, 1, null);
        assertRefused(40000, publish(origin, ALICE, "room", update));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void noIdClaimingAnotherConnectionRule(String name, PublishRequest.Origin origin) {
        Message forged = new Message("other:1:0", null, null, null, "n", "x", null, null, null, null, null);
        assertRefused(40000, publish(origin, ALICE, "room", forged));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void sizeRuleCountsTheClientIdTheGateFilledIn(String name, PublishRequest.Origin origin) {
        Principal longName = principal(ClientIdentity.identified("a".repeat(200)), Capability.ALL);
        String data = "x".repeat(1024 - 200); // name (1) + data fits; with the 200-char clientId it is 1025 bytes
        assertTrue(publish(origin, WILDCARD, "room", Message.of("n", data)).isOk(), "fits without a clientId");
        watcher.clear();
        Outcome<PublishResult> r = publish(origin, longName, "room", Message.of("n", data));
        assertEquals(40009, r.error().code(), r::toString);
        assertTrue(watcher.frames().isEmpty());
    }

    /**
     * One message of a little more than {@code bytes} bytes, nearly all of them in {@code field} (data "x"; a clientId
     * carries at most 512 bytes in its 256 characters, data the rest).
     */
    static Message withLargeField(String field, int bytes) {
        String big = "y".repeat(bytes);
        return switch (field) {
            case "id" -> new Message(big, null, null, null, null, "x", null, null, null, null, null);
            case "name" -> new Message(null, null, null, null, big, "x", null, null, null, null, null);
            case "encoding" -> new Message(null, null, null, null, null, "x", big, null, null, null, null);
            case "extras" -> new Message(null, null, null, null, null, "x", null,
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("headers", big), null, null, null);
            case "connectionKey" -> new Message(null, null, null, big, null, "x", null, null, null, null, null);
            case "data" -> new Message(null, null, null, null, null, big + "x", null, null, null, null, null);
            // 4-byte characters (a surrogate pair each), at most 128 (256 characters, the clientId limit), data for the rest
            case "clientId" -> {
                int emoji = Math.min(128, bytes / 4);
                yield new Message(null, "\uD83D\uDE00".repeat(emoji), null, null, null, "x".repeat(bytes - 4 * emoji + 1), null,
                        null, null, null, null);
            }
            default -> throw new IllegalArgumentException(field);
        };
    }

    static Stream<Arguments> fieldsAndOrigins() {
        return Stream.of("id", "name", "encoding", "extras", "clientId", "connectionKey", "data")
                .flatMap(f -> origins().map(o -> Arguments.of(f, o.get()[0], o.get()[1])));
    }

    // Rule: every field a client sets counts toward maxMessageSize (40009), in UTF-8 bytes, not only name, data,
    // clientId and extras: an id or encoding as large as the limit is refused like data would be.
    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("fieldsAndOrigins")
    void everyFieldCountsTowardTheSizeLimit(String field, String name, PublishRequest.Origin origin) {
        Outcome<PublishResult> r = publish(origin, WILDCARD, "room", withLargeField(field, 1024));
        assertRefused(40009, r);
        assertTrue(publish(origin, WILDCARD, "room", withLargeField(field, 100)).isOk(), "a small one passes");
    }

    @org.junit.jupiter.api.Test
    void realtimeOnlyAConnectionAttachedWithoutPublishModeIsRefused() {
        var attachedToSubscribe = PublishRequest.realtime("conn1", 1, Flags.MODE_SUBSCRIBE);
        assertRefused(40165, publish(attachedToSubscribe, ALICE, "room", Message.of("n", "x")));
        var notAttached = PublishRequest.realtime("conn1", 2, null);
        assertTrue(publish(notAttached, ALICE, "room", Message.of("n", "x")).isOk(), "Ably lets an unattached connection publish");
    }

    @org.junit.jupiter.api.Test
    void realtimeIdsComeFromTheConnectionAndMsgSerialAndAConnectionMayReuseItsOwn() {
        var origin = PublishRequest.realtime("conn1", 7, Flags.DEFAULT_MODES);
        assertTrue(publish(origin, ALICE, "room", Message.of("a", "x"), Message.of("b", "y")).isOk());
        List<Message> got = watcher.frames().get(0).messages();
        assertEquals("conn1:7:0", got.get(0).id());
        assertEquals("conn1:7:1", got.get(1).id());
        assertEquals("conn1", got.get(0).connectionId());
        Message own = new Message("conn1:3:0", null, null, null, "n", "x", null, null, null, null, null);
        assertTrue(publish(origin, ALICE, "room", own).isOk(), "its own connection-style id is fine");
    }

    @org.junit.jupiter.api.Test
    void restIdsAreRandomPerPublishWithNoConnection() {
        assertTrue(publish(PublishRequest.REST, WILDCARD, "room", Message.of("a", "x")).isOk());
        Message m = watcher.frames().get(0).messages().get(0);
        assertTrue(m.id().startsWith("rest-") && m.id().endsWith(":0"), m.id());
        assertNull(m.connectionId());
    }

    // Rule: a client may not publish a server-side transform (delta mode): a vcdiff step in the encoding or
    // extras.delta is 40013, so subscribers' SDKs never try to apply a delta to a message they never had.
    @ParameterizedTest(name = "{0}")
    @MethodSource("origins")
    void serverSideTransformsAreRefused(String name, PublishRequest.Origin origin) {
        var nodes = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        for (String encoding : List.of("vcdiff", "utf-8/vcdiff/base64", "vcdiff/base64", "json/VCDIFF")) {
            Message m = new Message(null, null, null, null, "n", "AAAA", encoding, null, null, null, null);
            assertRefused(40013, publish(origin, ALICE, "room", Message.of("ok", "x"), m));
        }
        var delta = nodes.objectNode();
        delta.putObject("delta").put("from", "conn1:0:0").put("format", "vcdiff");
        assertRefused(40013, publish(origin, ALICE, "room",
                new Message(null, null, null, null, "n", "x", null, delta, null, null, null)));
        // other encodings and extras pass: "vcdiff" only as a whole step counts
        var headers = nodes.objectNode();
        headers.putObject("headers").put("delta", "not the server's");
        Outcome<PublishResult> ok = publish(origin, ALICE, "room",
                new Message(null, null, null, null, "n", "eA==", "utf-8/base64", headers, null, null, null),
                new Message(null, null, null, null, "n", "x", "notvcdiff", null, null, null, null));
        assertTrue(ok.isOk(), ok::toString);
    }
}
