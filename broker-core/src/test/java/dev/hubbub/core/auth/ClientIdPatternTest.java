package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The clientId pattern syntax: what parses, and what each pattern matches and does not. */
class ClientIdPatternTest {

    private static ClientIdPattern pattern(String text) {
        Outcome<ClientIdPattern> parsed = ClientIdPattern.parse(text);
        assertTrue(parsed.isOk(), () -> "'" + text + "' should parse: " + parsed);
        return parsed.value();
    }

    @ParameterizedTest(name = "''{0}'' matches ''{1}''")
    @CsvSource(delimiter = '|', value = {
            // a trailing '*': the prefix and one or more characters, ':' included
            "bot-*|bot-7",
            "bot-*|bot-eu:7",
            "bot-*|bot-*",
            "support:*|support:ann",
            "support:*|support:eu:ann",
            "support:*|support:*",
            "a*|ab",
            // a whole-segment '*' before the last: one non-empty segment
            "tenant:*:agent|tenant:acme:agent",
            "*:agent|acme:agent",
            "*:*|a:b",
            "*:*|a:b:c",
            "tenant:*:bot-*|tenant:acme:bot-1",
            "x:*:*:y|x:a:b:y",
            // no '*': exactly that clientId
            "support:ann|support:ann",
            "café:ünï|café:ünï",
            "a::b|a::b",
    })
    void matches(String text, String clientId) {
        assertTrue(pattern(text).matches(clientId));
    }

    @ParameterizedTest(name = "''{0}'' does not match ''{1}''")
    @CsvSource(delimiter = '|', value = {
            // the bare prefix is not enough
            "bot-*|bot-",
            "support:*|support:",
            "support:*|support",
            // other prefixes, case, position
            "bot-*|robot-7",
            "bot-*|Bot-7",
            "bot-*|bot7",
            "support:*|customer:bob",
            "support:*|alice",
            "support:*|xsupport:ann",
            "support:*|support-ann",
            // a segment '*' is exactly one non-empty segment
            "tenant:*:agent|tenant:acme:eu:agent",
            "tenant:*:agent|tenant::agent",
            "tenant:*:agent|tenant:acme:agents",
            "tenant:*:agent|tenant:acme:agent:x",
            "tenant:*:agent|tenant:acme",
            "*:agent|:agent",
            "*:agent|agent",
            "*:*|a:",
            "*:*|:b",
            "*:*|ab",
            "tenant:*:bot-*|tenant:acme:bot-",
            "tenant:*:bot-*|tenant:acme:human-1",
            // a literal pattern is one clientId only
            "support:ann|support:anne",
            "support:ann|support:an",
            "support:ann|Support:ann",
    })
    void doesNotMatch(String text, String clientId) {
        assertFalse(pattern(text).matches(clientId));
    }

    @ParameterizedTest(name = "''{0}'' is refused")
    @ValueSource(strings = {
            "",
            "*",        // a lone '*' restricts nothing: the plain wildcard is spelled without a pattern
            "**",
            "*a",
            "a*b",
            "bot-*:x",
            "a:b*:c",
            "a:**",
            "**:a",
            "a\nb*",
            "bot-\u0000*",
            "bot-\u007f*",
            "\ud800-*",  // an unpaired surrogate
            "bot-\uffff*",
    })
    void invalidPatternsAreRefusedWith40003(String text) {
        Outcome<ClientIdPattern> parsed = ClientIdPattern.parse(text);
        assertFalse(parsed.isOk(), () -> "'" + text + "' must be refused");
        assertEquals(ErrorCode.INVALID_PARAMETER.code(), parsed.error().code());
        assertTrue(parsed.error().message().startsWith("Invalid clientId pattern: "), parsed.error().message());
        assertEquals(parsed.error().message().substring("Invalid clientId pattern: ".length()), ClientIdPattern.invalidReason(text));
    }

    @Test
    void nullIsRefused() {
        assertFalse(ClientIdPattern.parse(null).isOk());
    }

    @Test
    void aLoneStarSaysWhyItIsRefused() {
        assertTrue(ClientIdPattern.invalidReason("*").contains("restricts nothing"), ClientIdPattern.invalidReason("*"));
    }

    @Test
    void lengthIsBoundedLikeAClientId() {
        String longest = "a".repeat(ClientIdentity.MAX_CLIENT_ID_LENGTH - 1) + "*";
        assertNull(ClientIdPattern.invalidReason(longest));
        assertTrue(ClientIdPattern.invalidReason("a" + longest).contains("longer than"));
    }

    @Test
    void aStarInsideAClientIdIsMatchedOnlyByATrailingStar() {
        assertTrue(pattern("a:*").matches("a:x*y"));
        assertFalse(pattern("a:*:z").matches("a:x:y*:z"), "no: three segments before z");
        assertTrue(pattern("a:*:z").matches("a:y*:z"), "a segment '*' matches any one segment, '*' in it included");
    }

    @Test
    void toStringIsThePatternAsWrittenAndEqualityFollowsIt() {
        assertEquals("support:*", pattern("support:*").toString());
        assertEquals(pattern("support:*"), pattern("support:*"));
        assertEquals(pattern("support:*").hashCode(), pattern("support:*").hashCode());
        assertNotEquals(pattern("support:*"), pattern("support:a*"));
    }

    @Test
    void matchingANullClientIdIsAProgrammingError() {
        assertThrows(NullPointerException.class, () -> pattern("a*").matches(null));
    }

    @Test
    void aLimitedWildcardIdentityIsStillAWildcardOnTheWire() {
        ClientIdentity limited = ClientIdentity.wildcard(pattern("support:*"));
        assertEquals(ClientIdentity.Kind.WILDCARD, limited.kind());
        assertEquals("*", limited.wireClientId());
        assertTrue(limited.mayName("support:ann"));
        assertFalse(limited.mayName("alice"));
        assertNotEquals(ClientIdentity.WILDCARD, limited, "a pattern is part of the identity");
        assertTrue(ClientIdentity.WILDCARD.mayName("alice"));
        assertFalse(ClientIdentity.identified("alice").mayName("alice"), "an identified client names no one else");
        assertFalse(ClientIdentity.ANONYMOUS.mayName("alice"));
        assertEquals(ClientIdentity.WILDCARD, ClientIdentity.wildcard(null));
        assertThrows(IllegalArgumentException.class,
                () -> new ClientIdentity(ClientIdentity.Kind.IDENTIFIED, "alice", pattern("support:*")));
        assertEquals("WILDCARD(pattern support:*)", limited.describe());
    }
}
