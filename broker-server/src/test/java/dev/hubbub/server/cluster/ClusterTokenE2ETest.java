package dev.hubbub.server.cluster;

import static dev.hubbub.server.cluster.ClusterFixture.KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.rest.Auth;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import org.junit.jupiter.api.Test;

/**
 * TokenRequest nonces across a cluster with the real ably-java 1.2.54: an auth server (holding the
 * key) signs a TokenRequest with {@code auth.createTokenRequest}; a client exchanges it with
 * {@code auth.requestToken} on node A; the same TokenRequest presented to node B is a replay
 * (40105), because the nonce is remembered in Redis (RedisNonceStore), not only on node A.
 */
class ClusterTokenE2ETest {
    private static final int A = 0, B = 1;

    /** A REST client of node {@code node} that has no key: its token requests are {@code request}, as from an auth server. */
    private static AblyRest clientOf(ClusterFixture cluster, int node, Auth.TokenRequest request) throws AblyException {
        ClientOptions o = cluster.options(node, null, null);
        o.authCallback = params -> request;
        return cluster.rest(o);
    }

    /** AuthOptions whose callback hands over {@code request} (ably-java then POSTs it to /keys/{keyName}/requestToken). */
    private static Auth.AuthOptions handingOver(Auth.TokenRequest request) {
        Auth.AuthOptions options = new Auth.AuthOptions();
        options.authCallback = params -> request;
        return options;
    }

    @Test
    void aTokenRequestExchangedOnOneNodeIsRefusedAsAReplayOnAnother() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(2)) {
            AblyRest authServer = cluster.rest(A, KEY); // signs locally; never asks a node for this
            Auth.TokenParams bob = new Auth.TokenParams();
            bob.clientId = "bob";
            Auth.TokenRequest request = authServer.auth.createTokenRequest(bob, null);
            assertNotNull(request.nonce);

            Auth.TokenDetails token = clientOf(cluster, A, request).auth.requestToken(null, handingOver(request));
            assertNotNull(token.token);
            assertEquals("bob", token.clientId);
            ClientOptions withToken = cluster.options(B, null, null);
            withToken.token = token.token;
            AblyRealtime onB = cluster.connected(withToken); // the token node A issued works on node B
            assertEquals("bob", onB.auth.clientId);

            AblyRest replaying = clientOf(cluster, B, request);
            AblyException replayed = assertThrows(AblyException.class,
                    () -> replaying.auth.requestToken(null, handingOver(request)));
            assertEquals(40105, replayed.errorInfo.code, replayed.errorInfo::toString);
            assertEquals(401, replayed.errorInfo.statusCode, replayed.errorInfo::toString);

            // node B exchanges a TokenRequest it has not seen: the refusal was the nonce's
            Auth.TokenRequest fresh = authServer.auth.createTokenRequest(bob, null);
            assertEquals("bob", clientOf(cluster, B, fresh).auth.requestToken(null, handingOver(fresh)).clientId);
        }
    }
}
