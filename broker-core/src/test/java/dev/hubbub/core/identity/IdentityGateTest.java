package dev.hubbub.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ClientIdPattern;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * One test per identity rule: each fails when its rule is removed from {@link IdentityGate}.
 * A batch is all or nothing, so every rejection is checked with the bad item after a good one.
 */
class IdentityGateTest {
    private static final ClientIdentity ALICE = ClientIdentity.identified("alice");
    private static final ClientIdentity WILDCARD = ClientIdentity.WILDCARD;
    private static final ClientIdentity ANONYMOUS = ClientIdentity.ANONYMOUS;

    private final List<IdentityGate.Rejection> rejections = new ArrayList<>();
    private final IdentityGate gate = new IdentityGate((who, identity, reason, claimed) -> rejections.add(reason));

    private static Message msg(String clientId, String data) {
        return Message.of("greeting", data).withClientId(clientId);
    }

    private static PresenceMessage enter(String clientId) {
        return new PresenceMessage(null, PresenceAction.ENTER, clientId, null, "here", null, null, null);
    }

    private static void assertClientIdError(Outcome<?> outcome) {
        assertFalse(outcome.isOk(), () -> "expected a 40012 rejection, got " + outcome);
        assertEquals(ErrorCode.INVALID_CLIENT_ID.code(), outcome.error().code(), outcome.error().message());
        assertEquals(40012, outcome.error().code());
        assertEquals(400, outcome.error().statusCode());
        assertFalse(outcome.error().message().isEmpty());
    }

    static Stream<ClientIdentity> everyKindOfConnection() {
        return Stream.of(ALICE, WILDCARD, ANONYMOUS);
    }

    // ---- messages

    @Test
    void identifiedConnectionFillsInItsClientId() {
        Outcome<List<Message>> out = gate.admitMessages("t", ALICE, List.of(msg(null, "a"), msg(null, "b")));
        assertTrue(out.isOk(), out::toString);
        assertEquals(List.of("alice", "alice"), out.value().stream().map(Message::clientId).toList());
        assertEquals(List.of("a", "b"), out.value().stream().map(Message::data).toList());
    }

    @Test
    void identifiedConnectionMayNameItself() {
        Outcome<List<Message>> out = gate.admitMessages("t", ALICE, List.of(msg("alice", "a")));
        assertEquals("alice", out.value().get(0).clientId());
    }

    @Test
    void identifiedConnectionNamingAnotherClientIdRejectsTheWholeBatch() {
        Outcome<List<Message>> out = gate.admitMessages("t", ALICE, List.of(msg(null, "good"), msg("bob", "bad")));
        assertClientIdError(out);
        assertTrue(out.error().message().contains("bob"), out.error().message());
        assertEquals(List.of(IdentityGate.Rejection.MASQUERADE), rejections);
    }

    @Test
    void identifiedConnectionMasqueradingFirstAlsoRejectsTheBatch() {
        assertClientIdError(gate.admitMessages("t", ALICE, List.of(msg("bob", "bad"), msg("alice", "good"))));
    }

    @ParameterizedTest
    @MethodSource("everyKindOfConnection")
    void wildcardAsMessageClientIdIsRejectedOnEveryConnection(ClientIdentity identity) {
        assertClientIdError(gate.admitMessages("t", identity, List.of(msg(null, "good"), msg("*", "bad"))));
        assertEquals(List.of(IdentityGate.Rejection.WILDCARD_CLAIM), rejections);
    }

    @ParameterizedTest
    @MethodSource("everyKindOfConnection")
    void emptyMessageClientIdIsRejectedOnEveryConnection(ClientIdentity identity) {
        assertClientIdError(gate.admitMessages("t", identity, List.of(msg(null, "good"), msg("", "bad"))));
        assertEquals(List.of(IdentityGate.Rejection.MALFORMED_CLIENT_ID), rejections);
    }

    @ParameterizedTest
    @MethodSource("everyKindOfConnection")
    void overlongMessageClientIdIsRejectedOnEveryConnection(ClientIdentity identity) {
        String tooLong = "x".repeat(ClientIdentity.MAX_CLIENT_ID_LENGTH + 1);
        assertClientIdError(gate.admitMessages("t", identity, List.of(msg(tooLong, "bad"))));
    }

    @Test
    void wildcardConnectionKeepsExplicitClientIdsAndLeavesAbsentOnesAbsent() {
        Outcome<List<Message>> out = gate.admitMessages("t", WILDCARD,
                List.of(msg("carol", "1"), msg(null, "2"), msg("dave", "3")));
        assertTrue(out.isOk(), out::toString);
        assertEquals("carol", out.value().get(0).clientId());
        assertNull(out.value().get(1).clientId());
        assertEquals("dave", out.value().get(2).clientId());
        assertTrue(rejections.isEmpty());
    }

    @Test
    void anonymousConnectionMayPublishWithoutClientId() {
        Outcome<List<Message>> out = gate.admitMessages("t", ANONYMOUS, List.of(msg(null, "a")));
        assertTrue(out.isOk(), out::toString);
        assertNull(out.value().get(0).clientId());
    }

    @Test
    void anonymousConnectionNamingAClientIdIsRejected() {
        assertClientIdError(gate.admitMessages("t", ANONYMOUS, List.of(msg(null, "good"), msg("carol", "bad"))));
        assertEquals(List.of(IdentityGate.Rejection.ANONYMOUS_CLAIM), rejections);
    }

    // ---- presence

    @Test
    void presenceOnIdentifiedConnectionFillsInItsClientId() {
        Outcome<List<PresenceMessage>> out = gate.admitPresence("t", ALICE, List.of(enter(null), enter("alice")));
        assertTrue(out.isOk(), out::toString);
        assertEquals(List.of("alice", "alice"), out.value().stream().map(PresenceMessage::clientId).toList());
    }

    @Test
    void presenceOnIdentifiedConnectionForAnotherClientIdIsRejected() {
        assertClientIdError(gate.admitPresence("t", ALICE, List.of(enter(null), enter("bob"))));
        assertEquals(List.of(IdentityGate.Rejection.MASQUERADE), rejections);
    }

    @Test
    void presenceOnWildcardConnectionWithoutClientIdIsRejected() {
        assertClientIdError(gate.admitPresence("t", WILDCARD, List.of(enter("carol"), enter(null))));
        assertEquals(List.of(IdentityGate.Rejection.PRESENCE_WITHOUT_IDENTITY), rejections);
    }

    @Test
    void presenceOnWildcardConnectionWithExplicitClientIdIsAccepted() {
        Outcome<List<PresenceMessage>> out = gate.admitPresence("t", WILDCARD, List.of(enter("carol"), enter("dave")));
        assertTrue(out.isOk(), out::toString);
        assertEquals(List.of("carol", "dave"), out.value().stream().map(PresenceMessage::clientId).toList());
    }

    @Test
    void presenceOnWildcardConnectionWithWildcardClientIdIsRejected() {
        assertClientIdError(gate.admitPresence("t", WILDCARD, List.of(enter("*"))));
    }

    @Test
    void presenceOnAnonymousConnectionIsAlwaysRejected() {
        assertClientIdError(gate.admitPresence("t", ANONYMOUS, List.of(enter(null))));
        assertClientIdError(gate.admitPresence("t", ANONYMOUS, List.of(enter("carol"))));
        assertEquals(List.of(IdentityGate.Rejection.PRESENCE_WITHOUT_IDENTITY, IdentityGate.Rejection.ANONYMOUS_CLAIM),
                rejections);
    }

    @Test
    void acceptedBatchesReportNoRejection() {
        gate.admitMessages("t", ALICE, List.of(msg(null, "a")));
        gate.admitPresence("t", WILDCARD, List.of(enter("carol")));
        assertTrue(rejections.isEmpty(), rejections::toString);
    }

    // Rule: a clientId must be valid text: no unpaired UTF-16 surrogate (JSON and MessagePack subscribers would
    // see different ids), no control character (NUL, TAB, DEL...), no noncharacter U+FFFE / U+FFFF. 40012, for
    // messages and presence alike, on every kind of connection; a paired surrogate (an emoji) is fine.
    static Stream<String> invalidText() {
        return Stream.of("a\uD800b", "end\uDBFF", "\uDC00start", "lo\uDFFFhi", "x\u0000y", "tab\tid", "del\u007F", "non\uFFFE", "non\uFFFF");
    }

    @ParameterizedTest
    @MethodSource("invalidText")
    void clientIdsThatAreNotValidTextAreRejectedForMessagesAndPresence(String bad) {
        for (ClientIdentity identity : List.of(ALICE, WILDCARD, ANONYMOUS)) {
            assertClientIdError(gate.admitMessages("t", identity, List.of(msg(null, "good"), msg(bad, "bad"))));
        }
        assertClientIdError(gate.admitPresence("t", WILDCARD, List.of(enter(bad))));
        assertClientIdError(gate.admitPresence("t", ALICE, List.of(enter(bad))));
        assertTrue(rejections.stream().allMatch(r -> r == IdentityGate.Rejection.MALFORMED_CLIENT_ID), rejections::toString);
    }

    @Test
    void pairedSurrogatesAreValidText() {
        String emoji = "smile\uD83D\uDE00";
        assertEquals(emoji, gate.admitMessages("t", WILDCARD, List.of(msg(emoji, "x"))).value().get(0).clientId());
        assertEquals(emoji, gate.admitPresence("t", WILDCARD, List.of(enter(emoji))).value().get(0).clientId());
    }

    // ---- a wildcard limited to a clientId pattern

    private static final ClientIdentity SUPPORT = ClientIdentity.wildcard(ClientIdPattern.parse("support:*").value());

    private static void assertNamesPattern(Outcome<?> outcome, String claimed) {
        assertClientIdError(outcome);
        assertTrue(outcome.error().message().contains("'" + claimed + "'")
                && outcome.error().message().contains("matching 'support:*'"), outcome.error().message());
    }

    @Test
    void limitedWildcardKeepsClientIdsInsideItsPatternAndAbsentOnesAbsent() {
        Outcome<List<Message>> out = gate.admitMessages("t", SUPPORT,
                List.of(msg("support:ann", "a"), msg(null, "b"), msg("support:eu:bo", "c")));
        assertTrue(out.isOk(), out::toString);
        assertEquals(Arrays.asList("support:ann", null, "support:eu:bo"), out.value().stream().map(Message::clientId).toList());
        assertTrue(rejections.isEmpty());
    }

    @Test
    void limitedWildcardNamingAClientIdOutsideItsPatternRejectsTheWholeBatch() {
        assertNamesPattern(gate.admitMessages("t", SUPPORT, List.of(msg("support:ann", "good"), msg("alice", "bad"))), "alice");
        assertNamesPattern(gate.admitMessages("t", SUPPORT, List.of(msg("support:", "bare prefix"))), "support:");
        assertEquals(List.of(IdentityGate.Rejection.OUTSIDE_PATTERN, IdentityGate.Rejection.OUTSIDE_PATTERN), rejections);
    }

    @Test
    void limitedWildcardPresenceInsideItsPatternIsAccepted() {
        Outcome<List<PresenceMessage>> out = gate.admitPresence("t", SUPPORT, List.of(enter("support:ann")));
        assertEquals("support:ann", out.value().get(0).clientId());
    }

    @Test
    void limitedWildcardPresenceOutsideItsPatternOrWithoutClientIdIsRejected() {
        assertNamesPattern(gate.admitPresence("t", SUPPORT, List.of(enter("support:ann"), enter("alice"))), "alice");
        assertClientIdError(gate.admitPresence("t", SUPPORT, List.of(enter(null))));
        assertEquals(List.of(IdentityGate.Rejection.OUTSIDE_PATTERN, IdentityGate.Rejection.PRESENCE_WITHOUT_IDENTITY), rejections);
    }

    @Test
    void theListenerHearsWhoWasRefusedAndUnderWhichPattern() {
        List<String> heard = new ArrayList<>();
        IdentityGate listening = new IdentityGate((who, identity, reason, claimed) -> heard.add(who + " " + identity.describe() + " " + claimed));
        listening.admitMessages("conn=x", SUPPORT, List.of(msg("alice", "bad")));
        assertEquals(List.of("conn=x WILDCARD(pattern support:*) alice"), heard);
    }
}
