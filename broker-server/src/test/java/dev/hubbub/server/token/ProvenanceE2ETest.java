package dev.hubbub.server.token;

import dev.hubbub.server.AblyJavaClients;
import static dev.hubbub.server.AblyJavaOps.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.hubbub.core.identity.Provenance;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.MessageExtras;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Provenance end to end with the unmodified ably-java, on for the {@code audit:*} channels of the
 * broker's app: an ably-java subscriber reads, in {@code extras.headers}, whether each message's
 * clientId was bound or asserted, by which credential kind and key; REST history keeps it; other
 * channels get nothing; a client's own {@code x-hubbub-} header is refused.
 */
class ProvenanceE2ETest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static TokenBroker broker;
    private final AblyJavaClients clients = new AblyJavaClients();

    @BeforeAll
    static void start() throws Exception {
        broker = new TokenBroker(new Provenance(Set.of(), Map.of(TokenBroker.APP_ID, List.of("audit:*"))));
    }

    @AfterAll
    static void stop() { broker.close(); }

    @AfterEach
    void closeClients() throws Exception { clients.close(); }

    private static ConditionFactory waiting() { return AblyJavaClients.waiting(TIMEOUT); }

    private static ClientOptions options(boolean binary) { return AblyJavaClients.options(broker.port(), binary); }

    private AblyRealtime connected(ClientOptions o) throws AblyException { return clients.connected(o, TIMEOUT); }

    private ClientOptions withKey(boolean binary, String clientId) {
        ClientOptions o = options(binary);
        o.key = TokenBroker.FULL_KEY;
        o.clientId = clientId;
        return o;
    }

    private ClientOptions withToken(boolean binary, String token) {
        ClientOptions o = options(binary);
        o.token = token;
        return o;
    }

    private List<Message> watch(boolean binary, String channelName) throws AblyException {
        Channel channel = connected(withKey(binary, null)).channels.get(channelName);
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        waiting().until(() -> channel.state == ChannelState.attached);
        return received;
    }

    private static String header(Message m, String name) {
        assertNotNull(m.extras, () -> "no extras on " + m);
        JsonObject headers = m.extras.asJsonObject().getAsJsonObject("headers");
        return headers == null || !headers.has(name) ? null : headers.get(name).getAsString();
    }

    private static void assertProvenance(String how, String credential, Message m) {
        assertEquals(how, header(m, Provenance.CLIENT_ID_HEADER), m::toString);
        assertEquals(credential, header(m, Provenance.CREDENTIAL_HEADER), m::toString);
        assertEquals(TokenBroker.KEY_NAME, header(m, Provenance.KEY_HEADER), m::toString);
    }

    private static void publishes(AblyRealtime client, String channel, Message m) throws AblyException {
        assertNull(outcome(l -> client.channels.get(channel).publish(m, l)));
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void subscribersReadHowEachClientIdWasEstablishedAndHistoryKeepsIt(boolean binary) throws Exception {
        String channel = TokenBroker.channel("audit:log");
        List<Message> watched = watch(binary, channel);
        publishes(connected(withKey(binary, "alice")), channel, new Message("byKey", "d"));
        publishes(connected(withToken(binary, broker.token("bob"))), channel, new Message("byToken", "d"));
        publishes(connected(withToken(binary, broker.jwt("*", null))), channel, new Message("byJwt", "d", "carol"));
        publishes(connected(withKey(binary, null)), channel, new Message("keyNaming", "d", "dan"));

        waiting().until(() -> watched.size() == 4);
        assertEquals(Arrays.asList("alice", "bob", "carol", "dan"), watched.stream().map(m -> m.clientId).toList());
        assertProvenance("bound", "key", watched.get(0));
        assertProvenance("bound", "token", watched.get(1));
        assertProvenance("asserted", "jwt", watched.get(2));
        assertProvenance("asserted", "key", watched.get(3));

        ClientOptions restOptions = withKey(binary, null);
        AblyRest rest = new AblyRest(restOptions);
        clients.add(rest);
        Message[] history = rest.channels.get(channel).history(null).items();
        assertEquals(4, history.length);
        for (Message m : history) {
            assertNotNull(header(m, Provenance.CLIENT_ID_HEADER), m::toString);
        }
        assertProvenance("bound", "token", List.of(history).stream().filter(m -> "bob".equals(m.clientId)).findFirst().orElseThrow());
    }

    @Test
    void aChannelWithoutProvenanceCarriesTheClientsExtrasOnly() throws Exception {
        String channel = TokenBroker.channel("chat");
        List<Message> watched = watch(false, channel);
        JsonObject extras = new JsonObject();
        JsonObject headers = new JsonObject();
        headers.addProperty("trace", "t1");
        extras.add("headers", headers);
        publishes(connected(withKey(false, "alice")), channel, new Message("n", "d", new MessageExtras(extras)));
        waiting().until(() -> !watched.isEmpty());
        assertEquals("t1", header(watched.get(0), "trace"));
        assertNull(header(watched.get(0), Provenance.CLIENT_ID_HEADER));
    }

    @Test
    void aPublisherCannotSetTheBrokersHeaders() throws Exception {
        String channel = TokenBroker.channel("audit:forged");
        List<Message> watched = watch(true, channel);
        JsonObject extras = new JsonObject();
        JsonObject headers = new JsonObject();
        headers.addProperty(Provenance.CLIENT_ID_HEADER, "bound");
        extras.add("headers", headers);
        AblyRealtime forger = connected(withKey(true, null));
        ErrorInfo refused = outcome(l -> forger.channels.get(channel).publish(new Message("n", "d", "alice", new MessageExtras(extras)), l));
        assertNotNull(refused);
        assertEquals(40000, refused.code, refused::toString);
        publishes(forger, channel, new Message("honest", "d", "alice"));
        waiting().until(() -> !watched.isEmpty());
        assertEquals("honest", watched.get(0).name);
        assertTrue(watched.size() == 1 && "asserted".equals(header(watched.get(0), Provenance.CLIENT_ID_HEADER)));
    }
}
