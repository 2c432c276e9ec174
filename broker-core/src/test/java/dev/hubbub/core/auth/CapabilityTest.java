package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import org.junit.jupiter.api.Test;

class CapabilityTest {

    private static Capability cap(String json) { return Capability.parse(json).value(); }

    private static String intersect(String requested, String key) {
        Outcome<Capability> result = Capability.intersect(cap(requested), cap(key));
        return result.isOk() ? result.value().toJson() : "error " + result.error().code();
    }

    // --- matching -------------------------------------------------------------------------------

    @Test
    void starAloneMatchesEveryOrdinaryChannelButNotMetaOrQueue() {
        assertTrue(Capability.matches("*", "foo"));
        assertTrue(Capability.matches("*", "foo:bar:baz"));
        assertFalse(Capability.matches("*", "[meta]x"));
        assertFalse(Capability.matches("*", "[queue]q"));
    }

    @Test
    void trailingStarMatchesOneOrMoreRemainingSegments() {
        assertTrue(Capability.matches("ns:*", "ns:a"));
        assertTrue(Capability.matches("ns:*", "ns:a:b"));
        assertFalse(Capability.matches("ns:*", "ns"));
        assertFalse(Capability.matches("ns:*", "nsx:a"));
    }

    @Test
    void innerStarMatchesExactlyOneSegment() {
        assertTrue(Capability.matches("foo:*:baz", "foo:x:baz"));
        assertFalse(Capability.matches("foo:*:baz", "foo:x:y:baz"));
        assertFalse(Capability.matches("foo:*:baz", "foo:baz"));
    }

    @Test
    void starWithoutColonIsLiteral() {
        assertTrue(Capability.matches("foo*", "foo*"));
        assertFalse(Capability.matches("foo*", "foobar"));
        assertFalse(Capability.matches("foo*", "foo"));
    }

    @Test
    void bracketStarMatchesEverything() {
        assertTrue(Capability.matches("[*]*", "foo"));
        assertTrue(Capability.matches("[*]*", "[meta]x"));
        assertTrue(Capability.matches("[*]*", "[queue]q"));
    }

    @Test
    void bracketedPrefixAndStarMatchesEveryResourceOfThatKindOnly() {
        assertTrue(Capability.matches("[meta]*", "[meta]identity"));
        assertTrue(Capability.matches("[meta]*", "[meta]log"));
        assertFalse(Capability.matches("[meta]*", "[queue]q"));
        assertFalse(Capability.matches("[meta]*", "meta"));
        assertFalse(Capability.matches("[meta]*", "room"));
        assertTrue(Capability.matches("[meta]identity", "[meta]identity"));
        assertFalse(Capability.matches("[meta]identity", "[meta]log"));
    }

    @Test
    void onAMetachannelOnlySubscribeAndHistoryAreEverAllowed() {
        for (Capability c : new Capability[] {cap("{\"[*]*\":[\"*\"]}"), cap("{\"[meta]*\":[\"*\"]}"),
                cap("{\"[meta]identity\":[\"publish\",\"presence\",\"subscribe\",\"history\"]}")}) {
            assertTrue(c.allows("[meta]identity", Operation.SUBSCRIBE), c::toString);
            assertTrue(c.allows("[meta]identity", Operation.HISTORY), c::toString);
            assertFalse(c.allows("[meta]identity", Operation.PUBLISH), c::toString);
            assertFalse(c.allows("[meta]identity", Operation.PRESENCE), c::toString);
            assertEquals(0, c.grantedModes("[meta]identity") & (dev.hubbub.core.protocol.Flags.MODE_PUBLISH
                    | dev.hubbub.core.protocol.Flags.MODE_PRESENCE), c::toString);
        }
        assertFalse(Capability.ALL.allowsAny("[meta]identity"), "* does not reach a metachannel");
    }

    @Test
    void trailingTextAfterTheObjectIsRefused() {
        assertEquals(40000, Capability.parse("{\"a\":[\"publish\"]} trailing").error().code());
        assertEquals(40000, Capability.parse("{\"a\":[\"publish\"]}{}").error().code());
        assertTrue(Capability.parse(" {\"a\":[\"publish\"]} ").isOk());
    }

    // --- intersection, the examples of ably-protocol.md §6.6 ---------------------------------------

    @Test
    void opsAreTheCommonOnes() {
        assertEquals("{\"channel2\":[\"subscribe\"]}",
                intersect("{\"channel2\":[\"presence\",\"subscribe\"]}", "{\"channel2\":[\"publish\",\"subscribe\"]}"));
    }

    @Test
    void requestedStarYieldsTheKeysOps() {
        assertEquals("{\"channel2\":[\"publish\",\"subscribe\"]}",
                intersect("{\"channel2\":[\"*\"]}", "{\"channel2\":[\"publish\",\"subscribe\"]}"));
    }

    @Test
    void keyStarYieldsTheRequestedOps() {
        assertEquals("{\"channel6\":[\"publish\",\"subscribe\"]}",
                intersect("{\"channel6\":[\"subscribe\",\"publish\"]}", "{\"channel6\":[\"*\"]}"));
    }

    @Test
    void narrowerRequestedResourceKeepsItsName() {
        assertEquals("{\"cansubscribe\":[\"subscribe\"]}",
                intersect("{\"cansubscribe\":[\"subscribe\"]}", "{\"*\":[\"subscribe\"]}"));
        assertEquals("{\"cansubscribe:*\":[\"subscribe\"]}",
                intersect("{\"cansubscribe:*\":[\"subscribe\"]}", "{\"*\":[\"subscribe\"]}"));
        assertEquals("{\"canpublish:check\":[\"publish\"]}",
                intersect("{\"canpublish:check\":[\"publish\"]}", "{\"canpublish:*\":[\"publish\"]}"));
    }

    @Test
    void uncoveredResourcesAreDropped() {
        assertEquals("{\"channel2\":[\"subscribe\"]}",
                intersect("{\"channel2\":[\"subscribe\"],\"other\":[\"subscribe\"]}", "{\"channel2\":[\"publish\",\"subscribe\"]}"));
    }

    @Test
    void emptyIntersectionIsCapabilityDenied() {
        Outcome<Capability> noPath = Capability.intersect(cap("{\"other\":[\"subscribe\"]}"), cap("{\"channel2\":[\"subscribe\"]}"));
        assertEquals(ErrorCode.CAPABILITY_DENIED.code(), noPath.error().code());
        assertEquals(401, noPath.error().statusCode());
        assertEquals("error 40160", intersect("{\"channel2\":[\"presence\"]}", "{\"channel2\":[\"publish\",\"subscribe\"]}"));
    }

    // --- intersection, beyond the documented examples ---------------------------------------------

    @Test
    void broaderRequestedPatternYieldsTheKeysNarrowerPattern() {
        assertEquals("{\"chat:*\":[\"publish\"]}",
                intersect("{\"*\":[\"publish\",\"presence\"]}", "{\"chat:*\":[\"publish\",\"subscribe\"]}"));
        assertEquals("{\"chat:a:*\":[\"subscribe\"]}",
                intersect("{\"chat:*\":[\"subscribe\"]}", "{\"chat:a:*\":[\"*\"]}"));
        assertEquals("{\"*\":[\"*\"]}", intersect("{\"[*]*\":[\"*\"]}", "{\"*\":[\"*\"]}"));
    }

    @Test
    void plainStarDoesNotReachMetaChannels() {
        assertEquals("error 40160", intersect("{\"*\":[\"subscribe\"]}", "{\"[meta]log\":[\"subscribe\"]}"));
        assertEquals("{\"[meta]log\":[\"subscribe\"]}", intersect("{\"[meta]log\":[\"subscribe\"]}", "{\"[*]*\":[\"*\"]}"));
        assertEquals("error 40160", intersect("{\"[meta]log\":[\"subscribe\"]}", "{\"*\":[\"*\"]}"));
    }

    @Test
    void severalKeyPatternsCoveringOneResourceContributeTheirUnion() {
        assertEquals("{\"chat:a\":[\"publish\",\"subscribe\"]}",
                intersect("{\"chat:a\":[\"*\"]}", "{\"*\":[\"subscribe\"],\"chat:*\":[\"publish\"]}"));
        assertEquals("{\"chat:a\":[\"*\"]}", intersect("{\"chat:a\":[\"*\"]}", "{\"*\":[\"subscribe\"],\"chat:*\":[\"*\"]}"));
    }

    @Test
    void literalStarResourceIsNotAPatternButASegmentStarIs() {
        assertEquals("error 40160", intersect("{\"foo*\":[\"subscribe\"]}", "{\"foobar\":[\"subscribe\"]}"));
        assertEquals("{\"foo:x:baz\":[\"subscribe\"]}",
                intersect("{\"foo:*:baz\":[\"subscribe\"]}", "{\"foo:x:baz\":[\"subscribe\"]}"));
    }

    @Test
    void intersectingAgainIsIdempotent() {
        Capability key = cap("{\"*\":[\"subscribe\"],\"chat:*\":[\"publish\",\"presence\"],\"[meta]x\":[\"*\"]}");
        Capability once = Capability.intersect(cap("{\"[*]*\":[\"*\"],\"chat:a\":[\"publish\"]}"), key).value();
        assertEquals(once, Capability.intersect(once, key).value());
    }

    @Test
    void resultAllowsOnlyWhatBothAllow() {
        Capability key = cap("{\"chat:*\":[\"publish\",\"subscribe\"],\"news\":[\"subscribe\"]}");
        Capability token = Capability.intersect(cap("{\"*\":[\"*\"]}"), key).value();
        assertTrue(token.allows("chat:room", Operation.PUBLISH));
        assertTrue(token.allows("news", Operation.SUBSCRIBE));
        assertFalse(token.allows("news", Operation.PUBLISH));
        assertFalse(token.allows("other", Operation.SUBSCRIBE));
        assertFalse(token.allows("chat:room", Operation.PRESENCE));
    }
}
