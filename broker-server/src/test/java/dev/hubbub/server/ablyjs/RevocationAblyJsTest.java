package dev.hubbub.server.ablyjs;

import static dev.hubbub.server.ablyjs.AblyJsScript.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Token revocation end to end with the real ably-js ({@code src/test/js/ablyjs-revocation.js}), in
 * both wire formats, against an in-process broker: {@code rest.auth.revokeTokens} answers a batch
 * result as ably-js reads it; the revoked client is told DISCONNECTED 40141 and, holding a token it
 * cannot renew, goes FAILED rather than reconnecting with it; its presence member leaves for the
 * others at once; the token is refused on REST and for a new connection; a client with an
 * authCallback renews and is connected again; allowReauthMargin asks clients to renew without
 * dropping them.
 */
class RevocationAblyJsTest extends OneBrokerAblyJsTest {
    private static final String KEY = "appR.k1:secret-appR-k1";

    RevocationAblyJsTest() { super("ablyjs-revocation.js", KEY); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void theRevokedClientIsDisconnected40141GoesFailedAndItsMemberLeavesAtOnce(String format) {
        JsonNode f = node.facts(format, "revokeClientId");
        String bob = f.path("bobId").asText();
        JsonNode result = f.path("result");
        assertEquals(1, result.path("successCount").asInt(), result::toString);
        assertEquals(1, result.path("failureCount").asInt(), result::toString);
        assertEquals("clientId:" + bob, result.at("/results/0/target").asText(), result::toString);
        assertTrue(result.at("/results/0/issuedBefore").isNumber() && result.at("/results/0/appliesAt").isNumber(), result::toString);
        assertEquals("invalidType:abc", result.at("/results/1/target").asText(), result::toString);
        assertEquals(400, result.at("/results/1/error/statusCode").asInt(), result::toString);

        List<String> states = field(f.path("bobStates"), "current");
        assertEquals("disconnected", states.get(0), f.toString());
        assertEquals(40141, f.at("/bobStates/0/reason/code").asInt(), f.toString());
        assertFalse(states.contains("connected"), "never reconnected with the revoked token: " + states);
        assertEquals("failed", states.get(states.size() - 1), f.toString());

        assertEquals(List.of(bob), AblyJsScript.texts(f.path("leaves")), f.toString());
        assertTrue(f.path("leaveMillis").asLong() < 1_000, "the member left at once, not after a grace period: " + f);
        assertEquals(List.of(f.path("carolId").asText()), AblyJsScript.texts(f.path("members")), f.toString());
        assertEquals("connected", f.path("carolState").asText(), f.toString());

        assertEquals(401, f.at("/restWithRevoked/status").asInt(), f.toString());
        assertEquals(40141, f.at("/restWithRevoked/code").asInt(), f.toString());
        assertEquals(201, f.at("/restWithCarol/status").asInt(), f.toString());
        List<String> again = field(f.path("againStates"), "current");
        assertFalse(again.contains("connected"), "a new connection with the revoked token: " + again);
        boolean told = false;
        for (JsonNode s : f.path("againStates")) {
            told |= s.at("/reason/code").asInt() == 40141;
        }
        assertTrue(told, "told 40141: " + f.path("againStates"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aClientThatCanRenewGetsANewTokenAndIsConnectedAgain(String format) {
        JsonNode f = node.facts(format, "reauthenticatesWithANewToken");
        List<String> states = field(f.path("states"), "current");
        int disconnected = states.indexOf("disconnected");
        assertTrue(disconnected >= 0, states::toString);
        assertEquals(40141, f.path("states").get(disconnected).at("/reason/code").asInt(), f.toString());
        assertEquals("connected", states.get(states.size() - 1), f.toString());
        assertTrue(f.path("authCalls").asInt() >= 2, "renewed through its authCallback: " + f);
        assertTrue(f.at("/channelAttach/resolved").asBoolean(), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void withAReauthMarginClientsAreAskedToRenewAndStayConnected(String format) {
        JsonNode f = node.facts(format, "reauthMarginAsksToRenew");
        long appliesAt = f.at("/result/results/0/appliesAt").asLong();
        long issuedBefore = f.at("/result/results/0/issuedBefore").asLong();
        assertTrue(appliesAt >= f.path("serverTime").asLong() + 30_000, "30 s later: " + f);
        assertEquals(30_000, appliesAt - issuedBefore, f.toString());
        assertTrue(f.path("authCallsAfter").asInt() > f.path("authCallsBefore").asInt(), f.toString());
        assertTrue(f.path("updates").asInt() >= 1, "renewed on its connection (AUTH, CONNECTED): " + f);
        assertFalse(field(f.path("states"), "current").contains("disconnected"), f.toString());
        assertEquals("connected", f.path("state").asText(), f.toString());
        assertEquals(f.path("connectionIdBefore").asText(), f.path("connectionIdAfter").asText(), f.toString());
        assertEquals(f.path("issuedBefore").asLong(), f.at("/echo/results/0/issuedBefore").asLong(), f.toString());
    }
}
