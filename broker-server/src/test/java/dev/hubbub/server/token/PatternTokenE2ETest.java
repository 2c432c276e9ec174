package dev.hubbub.server.token;

import dev.hubbub.server.AblyJavaClients;
import static dev.hubbub.server.AblyJavaOps.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.PresenceMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Wildcard tokens limited to {@code support:*}, end to end with the unmodified ably-java against a
 * real broker: to the SDK the token is a wildcard ({@code auth.clientId} {@code *}), so it lets
 * every clientId through and the broker alone enforces the pattern, realtime and REST, for our
 * tokens and for JWTs: {@code support:ann} is accepted and seen by subscribers, {@code alice} is
 * refused 40012 (publish, presence) or 40102 (connect).
 */
class PatternTokenE2ETest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String PATTERN = "support:*";
    private static TokenBroker broker;
    private final AblyJavaClients clients = new AblyJavaClients();

    @BeforeAll
    static void start() throws Exception { broker = new TokenBroker(); }

    @AfterAll
    static void stop() { broker.close(); }

    @AfterEach
    void closeClients() throws Exception { clients.close(); }

    private static ConditionFactory waiting() { return AblyJavaClients.waiting(TIMEOUT); }

    private static ClientOptions options(boolean binary) { return AblyJavaClients.options(broker.port(), binary); }

    private AblyRealtime realtime(ClientOptions o) throws AblyException { return clients.realtime(o); }

    private AblyRealtime connected(ClientOptions o) throws AblyException { return clients.connected(o, TIMEOUT); }

    /** A backend holding a pattern token (ours, or a JWT), as ably-java is given a ready token. */
    private AblyRealtime backend(boolean binary, String token) throws AblyException {
        ClientOptions o = options(binary);
        o.token = token;
        AblyRealtime r = connected(o);
        assertEquals("*", r.auth.clientId, "a wildcard token to the SDK");
        return r;
    }

    /** A key-authenticated client subscribed to a channel, collecting what it receives. */
    private List<Message> watch(String channelName) throws AblyException {
        ClientOptions o = options(false);
        o.key = TokenBroker.FULL_KEY;
        Channel channel = connected(o).channels.get(channelName);
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        waiting().alias("attached").until(() -> channel.state == ChannelState.attached);
        return received;
    }

    private static void assertRefusedNamingThePattern(int code, ErrorInfo error) {
        assertNotNull(error, "expected a refusal");
        assertEquals(code, error.code, error::toString);
        assertTrue(error.message.contains(PATTERN), error::toString);
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void publishingInsideThePatternIsDeliveredWithItsClientIdOutsideIsRefused40012(boolean binary) throws Exception {
        String channelName = TokenBroker.channel("pattern");
        List<Message> watched = watch(channelName);
        Channel channel = backend(binary, broker.patternToken(PATTERN)).channels.get(channelName);

        assertNull(outcome(l -> channel.publish(new Message("inside", "hello", "support:ann"), l)));
        assertRefusedNamingThePattern(40012, outcome(l -> channel.publish(new Message("outside", "hello", "alice"), l)));
        assertNull(outcome(l -> channel.publish(new Message("after", "still up", "support:eu:bo"), l)));

        waiting().alias("two messages").until(() -> watched.size() == 2);
        assertEquals(List.of("inside", "after"), watched.stream().map(m -> m.name).toList());
        assertEquals(List.of("support:ann", "support:eu:bo"), watched.stream().map(m -> m.clientId).toList());
    }

    @Test
    void presenceEnterInsideThePatternIsAcceptedOutsideIsRefused40012() throws Exception {
        Channel channel = backend(false, broker.patternToken(PATTERN)).channels.get(TokenBroker.channel("presence"));
        assertNull(outcome(l -> channel.presence.enterClient("support:ann", "here", l)));
        assertRefusedNamingThePattern(40012, outcome(l -> channel.presence.enterClient("alice", "here", l)));
        PresenceMessage[] members = channel.presence.get(true);
        assertEquals(List.of("support:ann"), List.of(members).stream().map(m -> m.clientId).toList());
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void connectingAsAClientIdOutsideThePatternFails40102(boolean binary) throws Exception {
        ClientOptions o = options(binary);
        o.token = broker.patternToken(PATTERN);
        o.clientId = "alice";
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        AblyRealtime client = realtime(o);
        client.connection.on((ConnectionStateListener) change -> states.add(change.current));
        waiting().alias("FAILED").until(() -> client.connection.state == ConnectionState.failed);
        assertRefusedNamingThePattern(40102, client.connection.reason);
        assertTrue(!states.contains(ConnectionState.connected), states::toString);
    }

    @Test
    void connectingAsAClientIdInsideThePatternIdentifiesTheConnection() throws Exception {
        String channelName = TokenBroker.channel("ann");
        List<Message> watched = watch(channelName);
        ClientOptions o = options(false);
        o.token = broker.patternToken(PATTERN);
        o.clientId = "support:ann";
        AblyRealtime ann = connected(o);
        assertEquals("support:ann", ann.auth.clientId);
        assertNull(outcome(l -> ann.channels.get(channelName).publish(new Message("n", "implicit"), l)));
        waiting().until(() -> !watched.isEmpty());
        assertEquals("support:ann", watched.get(0).clientId);
    }

    @Test
    void aJwtWithThePatternClaimIsHeldToItToo() throws Exception {
        String channelName = TokenBroker.channel("jwt");
        List<Message> watched = watch(channelName);
        Channel channel = backend(true, broker.patternJwt(PATTERN)).channels.get(channelName);
        assertRefusedNamingThePattern(40012, outcome(l -> channel.publish(new Message("outside", "x", "alice"), l)));
        assertNull(outcome(l -> channel.publish(new Message("inside", "x", "support:ann"), l)));
        waiting().until(() -> !watched.isEmpty());
        assertEquals("support:ann", watched.get(0).clientId);
        assertEquals(1, watched.size());
    }

    @Test
    void restPublishIsHeldToThePattern() throws Exception {
        String channelName = TokenBroker.channel("rest");
        List<Message> watched = watch(channelName);
        ClientOptions o = options(false);
        o.token = broker.patternToken(PATTERN);
        AblyRest rest = new AblyRest(o);
        clients.add(rest);

        AblyException refused = assertThrows(AblyException.class,
                () -> rest.channels.get(channelName).publish(new Message[] {new Message("outside", "x", "alice")}));
        assertRefusedNamingThePattern(40012, refused.errorInfo);
        assertEquals(400, refused.errorInfo.statusCode);
        rest.channels.get(channelName).publish(new Message[] {new Message("inside", "x", "support:ann")});
        waiting().until(() -> !watched.isEmpty());
        assertEquals(List.of("inside"), watched.stream().map(m -> m.name).toList());
        assertEquals("support:ann", watched.get(0).clientId);
    }
}
