package dev.hubbub.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which channels get provenance, what the headers say, and the headers no client may set. */
class ProvenanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Provenance provenance = new Provenance(Set.of("audited"), Map.of("mixed", List.of("support:*", "orders")));

    private static Principal principal(Principal.CredentialKind kind, ClientIdentity identity) {
        return new Principal("audited", "audited.backend", kind, identity, Capability.ALL, Long.MAX_VALUE);
    }

    private static JsonNode json(String text) throws Exception { return JSON.readTree(text); }

    private static JsonNode headers(Message m) { return m.extras().get("headers"); }

    private Message stampOne(Principal p, Message m) {
        Outcome<List<Message>> out = provenance.stampMessages(p, new ChannelKey("audited", "room"), List.of(m));
        assertTrue(out.isOk(), out::toString);
        return out.value().get(0);
    }

    @Test
    void onForEveryChannelOfAnAppOrForMatchingChannelsOfAnAppOnly() {
        assertTrue(provenance.isOn(new ChannelKey("audited", "anything:at:all")));
        assertTrue(provenance.isOn(new ChannelKey("mixed", "support:tickets")));
        assertTrue(provenance.isOn(new ChannelKey("mixed", "orders")));
        assertFalse(provenance.isOn(new ChannelKey("mixed", "orders:eu")));
        assertFalse(provenance.isOn(new ChannelKey("mixed", "chat")));
        assertFalse(provenance.isOn(new ChannelKey("other", "support:tickets")), "another app's channel of that name");
        assertFalse(Provenance.OFF.isOn(new ChannelKey("audited", "room")));
    }

    @Test
    void aMessageFromAnIdentifiedConnectionIsBound() {
        Message m = stampOne(principal(Principal.CredentialKind.TOKEN, ClientIdentity.identified("alice")),
                Message.of("n", "d").withClientId("alice"));
        assertEquals("bound", headers(m).get(Provenance.CLIENT_ID_HEADER).asText());
        assertEquals("token", headers(m).get(Provenance.CREDENTIAL_HEADER).asText());
        assertEquals("audited.backend", headers(m).get(Provenance.KEY_HEADER).asText());
    }

    @Test
    void aClientIdAWildcardNamedIsAsserted() {
        Message m = stampOne(principal(Principal.CredentialKind.BASIC, ClientIdentity.WILDCARD), Message.of("n", "d").withClientId("alice"));
        assertEquals("asserted", headers(m).get(Provenance.CLIENT_ID_HEADER).asText());
        assertEquals("key", headers(m).get(Provenance.CREDENTIAL_HEADER).asText());
    }

    @Test
    void aMessageWithoutClientIdSaysNoneAndAJwtSaysJwt() {
        Message m = stampOne(principal(Principal.CredentialKind.JWT, ClientIdentity.ANONYMOUS), Message.of("n", "d"));
        assertEquals("none", headers(m).get(Provenance.CLIENT_ID_HEADER).asText());
        assertEquals("jwt", headers(m).get(Provenance.CREDENTIAL_HEADER).asText());
    }

    @Test
    void theClientsOwnExtrasAndHeadersAreKeptAndNotChangedInPlace() throws Exception {
        JsonNode extras = json("{\"headers\":{\"trace\":\"t1\"},\"push\":{\"title\":\"x\"}}");
        Message sent = new Message(null, "alice", null, null, "n", "d", null, extras, null, null, null);
        Message m = stampOne(principal(Principal.CredentialKind.TOKEN, ClientIdentity.identified("alice")), sent);
        assertEquals("t1", headers(m).get("trace").asText());
        assertEquals("x", m.extras().at("/push/title").asText());
        assertEquals("bound", headers(m).get(Provenance.CLIENT_ID_HEADER).asText());
        assertEquals(json("{\"headers\":{\"trace\":\"t1\"},\"push\":{\"title\":\"x\"}}"), extras, "the client's object is not touched");
    }

    @Test
    void offChannelsAreLeftExactlyAsTheyAre() {
        List<Message> sent = List.of(Message.of("n", "d").withClientId("alice"));
        Outcome<List<Message>> out = provenance.stampMessages(principal(Principal.CredentialKind.BASIC, ClientIdentity.WILDCARD),
                new ChannelKey("mixed", "chat"), sent);
        assertSame(sent, out.value());
        assertNull(out.value().get(0).extras());
    }

    @Test
    void extrasOrHeadersThatAreNotObjectsCannotBeStamped() throws Exception {
        Principal p = principal(Principal.CredentialKind.BASIC, ClientIdentity.WILDCARD);
        for (String extras : List.of("\"text\"", "{\"headers\":[1]}")) {
            Message m = new Message(null, null, null, null, "n", "d", null, json(extras), null, null, null);
            Outcome<List<Message>> out = provenance.stampMessages(p, new ChannelKey("audited", "room"), List.of(m));
            assertFalse(out.isOk(), extras);
            assertEquals(ErrorCode.BAD_REQUEST.code(), out.error().code());
        }
    }

    @Test
    void presenceEventsAreStampedLikeMessages() {
        PresenceMessage enter = new PresenceMessage(null, PresenceAction.ENTER, "alice", null, "here", null, null, null);
        PresenceMessage stamped = provenance.stampPresence(principal(Principal.CredentialKind.BASIC, ClientIdentity.WILDCARD),
                new ChannelKey("audited", "room"), enter).value();
        assertEquals("asserted", stamped.extras().at("/headers/" + Provenance.CLIENT_ID_HEADER).asText());
        assertEquals("here", stamped.data());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x-hubbub-clientId-provenance", "X-Hubbub-Key", "x-hubbub-anything"})
    void noClientMaySetABrokerHeader(String name) throws Exception {
        var refused = Provenance.reservedHeader(json("{\"headers\":{\"" + name + "\":\"bound\"}}"));
        assertNotNull(refused, name);
        assertEquals(40000, refused.code());
        assertTrue(refused.message().contains(name), refused.message());
    }

    @Test
    void otherHeadersAndShapesAreNotTheReservedCheckAffair() throws Exception {
        assertNull(Provenance.reservedHeader(null));
        assertNull(Provenance.reservedHeader(json("{\"headers\":{\"x-hubbu\":\"1\",\"trace\":\"2\"}}")));
        assertNull(Provenance.reservedHeader(json("{\"x-hubbub-key\":\"not in headers\"}")));
        assertNull(Provenance.reservedHeader(json("{\"headers\":\"text\"}")));
    }
}
