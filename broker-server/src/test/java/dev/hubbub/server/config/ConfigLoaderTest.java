package dev.hubbub.server.config;

import dev.hubbub.core.auth.Operation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.testkit.TestPki;
import dev.hubbub.transport.tls.ServerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The config file: parsed once, validated, frozen; every problem names the file, the setting and the line. */
class ConfigLoaderTest {
    private static final String FILE = "broker-test.yaml";
    private static final String KEY = "keys:\n  - name: \"app.key1\"\n    secret: \"s1\"\n";

    private static ConfigException failure(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, yaml));
    }

    private static void assertMentions(ConfigException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void defaultConfigParses() throws Exception {
        BrokerConfig config = ConfigLoader.load(Path.of("../config/broker.yaml"));
        assertEquals("127.0.0.1", config.host(), "the default listener binds to loopback");
        assertEquals(8080, config.port());
        assertEquals(1, config.keys().size());
        assertEquals("dev.local", config.keys().get(0).name());
        assertEquals("dev", config.keys().get(0).appId());
        assertTrue(config.keys().get(0).secretMatches("DEV-ONLY-not-for-production-3f9c2a"));
        assertEquals(Capability.ALL, config.keys().get(0).capability());
        assertEquals(Limits.defaults().withInboundRates(5_000, java.util.Map.of("dev.local", 100_000)), config.limits(),
                "the defaults, but the development key publishes as fast as the load client asks");
    }

    @Test
    void minimalConfigGetsDefaults() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, KEY);
        assertEquals("127.0.0.1", config.host());
        assertEquals(8080, config.port());
        assertEquals(Capability.ALL, config.keys().get(0).capability());
        assertEquals(Limits.defaults(), config.limits());
    }

    @Test
    void everySettingIsRead() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, """
                server: { host: 0.0.0.0, port: 9000, ioThreads: 3, maxBacklogBytes: 1048576 }
                keys:
                  - name: "a.one"
                    secret: "s1"
                    capability: { "chat:*": ["publish", "subscribe"], "news": ["subscribe"] }
                  - name: "b.two"
                    secret: "s2"
                    capability: '{"*":["subscribe"]}'
                limits:
                  maxMessageSize: 2048
                  maxFrameSize: 4096
                  maxInboundRate: 10
                  maxIdleInterval: 5000
                  connectionStateTtl: 60000
                  maxChannelsPerConnection: 7
                  serverId: test-1
                """);
        assertEquals("0.0.0.0", config.host());
        assertEquals(9000, config.port());
        assertEquals(3, config.ioThreads());
        assertEquals(1048576, config.maxBacklogBytes());
        assertEquals(2, config.keys().size());
        assertTrue(config.keys().get(0).capability().allows("chat:x", Operation.PUBLISH));
        assertTrue(!config.keys().get(0).capability().allows("news", Operation.PUBLISH));
        assertTrue(config.keys().get(1).capability().allows("any", Operation.SUBSCRIBE));
        assertEquals(new Limits(2048, 4096, 10, 5000, 60000, 7, "test-1"), config.limits());
    }

    @Test
    void inboundRateIsReadPerKeyAndValidated() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, """
                keys:
                  - name: "a.bench"
                    secret: "s1"
                    maxInboundRate: 5000
                  - name: "a.user"
                    secret: "s2"
                limits:
                  maxInboundRate: 20
                  inboundRateDisconnectAfter: 0
                """);
        assertEquals(5000, config.limits().maxInboundRateFor("a.bench"));
        assertEquals(20, config.limits().maxInboundRateFor("a.user"), "the limits' rate for a key without its own");
        assertEquals(0, config.limits().inboundRateDisconnectAfter());
        assertEquals(Limits.DEFAULT_INBOUND_RATE_DISCONNECT_AFTER, ConfigLoader.parse(FILE, KEY).limits().inboundRateDisconnectAfter());
        assertMentions(failure(KEY + "    maxInboundRate: 0\n"), FILE + ":2", "keys[0].maxInboundRate", "positive");
        assertMentions(failure(KEY + "limits:\n  inboundRateDisconnectAfter: 10\n"), FILE + ":5",
                "limits.inboundRateDisconnectAfter", "at least 1000");
    }

    @Test
    void presenceMemberCapsAreReadDefaultedAndValidated() throws Exception {
        BrokerConfig defaults = ConfigLoader.parse(FILE, KEY);
        assertEquals(20_000, defaults.presence().maxMembersPerChannel());
        assertEquals(1_000, defaults.presence().maxMembersPerConnection());
        BrokerConfig config = ConfigLoader.parse(FILE, KEY + "limits: { maxPresenceMembersPerChannel: 50000, "
                + "maxPresenceMembersPerConnection: 10 }\npresence: { syncPageMembers: 100 }\n");
        assertEquals(50_000, config.presence().maxMembersPerChannel());
        assertEquals(10, config.presence().maxMembersPerConnection());
        assertEquals(100, config.presence().syncPageMembers(), "the presence section still applies");
        assertMentions(failure(KEY + "limits:\n  maxPresenceMembersPerConnection: 0\n"), FILE + ":5",
                "limits.maxPresenceMembersPerConnection", "at least 1");
    }

    @Test
    void presenceAndCloseLingerAreReadAndDefaulted() throws Exception {
        BrokerConfig defaults = ConfigLoader.parse(FILE, KEY);
        assertEquals(dev.hubbub.core.presence.PresenceSettings.defaults(), defaults.presence());
        assertEquals(1000, defaults.closeLingerMillis());

        BrokerConfig config = ConfigLoader.parse(FILE, "server: { closeLinger: 250 }\n"
                + "presence: { gracePeriod: 5000, minGracePeriod: 500, maxGracePeriod: 9000, syncPageMembers: 10, "
                + "syncPageBytes: 2048 }\n" + KEY);
        assertEquals(250, config.closeLingerMillis());
        assertEquals(new dev.hubbub.core.presence.PresenceSettings(5000, 500, 9000, 10, 2048), config.presence());
        assertEquals(9000, config.presence().graceFor(60_000L), "remainPresentFor clamped to the configured max");
    }

    @Test
    void historyRetentionIsReadDefaultedAndValidated() throws Exception {
        assertEquals(dev.hubbub.core.history.Retention.defaults(), ConfigLoader.parse(FILE, KEY).retention());
        BrokerConfig config = ConfigLoader.parse(FILE, "history: { maxAge: 60000, minMessages: 10, maxBytesPerChannel: 4096, "
                + "maxBytesTotal: 8192, dedupeWindow: 30000 }\n" + KEY);
        assertEquals(new dev.hubbub.core.history.Retention(60000, 10, 4096, 8192, 30000), config.retention());
        assertMentions(failure(KEY + "history:\n  maxBytesPerChannel: 10\n"), FILE + ":5", "history.maxBytesPerChannel");
        assertMentions(failure(KEY + "history:\n  maxBytesPerChannel: 4096\n  maxBytesTotal: 2048\n"),
                "history.maxBytesTotal", "at least maxBytesPerChannel");
    }

    @Test
    void clusterIsOffByDefaultAndReadWhenGiven() throws Exception {
        assertNull(ConfigLoader.parse(FILE, KEY).cluster(), "one node unless a cluster section says otherwise");
        BrokerConfig config = ConfigLoader.parse(FILE, KEY + "cluster:\n  redis: [ \"redis://127.0.0.1:6390\", "
                + "\"redis://127.0.0.1:6391\" ]\n  nodeId: node-1\n  commandTimeout: 500\n  unreachableTimeout: 3000\n");
        assertEquals(List.of(java.net.URI.create("redis://127.0.0.1:6390"), java.net.URI.create("redis://127.0.0.1:6391")),
                config.cluster().redis());
        assertEquals("node-1", config.cluster().nodeId());
        assertEquals(500, config.cluster().commandTimeoutMillis());
        assertEquals(3000, config.cluster().unreachableMillis());
        assertTrue(config.cluster().retainMillis() > config.limits().connectionStateTtl(),
                "a channel's shared log outlives connectionStateTtl, so a client can resume from it");
        assertTrue(ConfigLoader.parse(FILE, KEY + "cluster:\n  redis: [ \"redis://h:1\" ]\n").cluster().nodeId()
                .startsWith("node-"), "a node id is made when none is given");
    }

    @Test
    void clusterSettingsAreValidated() {
        assertMentions(failure(KEY + "cluster:\n  nodeId: n1\n"), "cluster.redis", "at least one Redis server");
        assertMentions(failure(KEY + "cluster:\n  redis: [ \"http://h:1\" ]\n"), "cluster.redis", "redis://host:port");
        assertMentions(failure(KEY + "cluster:\n  redis: [ \"redis://h:1\" ]\n  nodeId: \"a b\"\n"), "cluster.nodeId");
        assertMentions(failure(KEY + "cluster:\n  redis: [ \"redis://h:1\" ]\n  commandTimeout: 0\n"), "cluster.commandTimeout");
    }

    @Test
    void presenceSettingsAreValidatedWithTheirLine() {
        ConfigException e = failure(KEY + "presence:\n  gracePeriod: 20000\n  maxGracePeriod: 10000\n");
        assertMentions(e, FILE + ":5", "presence.gracePeriod", "minGracePeriod..maxGracePeriod");
        assertMentions(failure(KEY + "presence:\n  syncPageMembers: 0\n"), "presence.syncPageMembers", "at least 1");
        assertMentions(failure("server:\n  closeLinger: -1\n" + KEY), "server.closeLinger");
    }

    @Test
    void ioTransportIsAutoByDefaultAndReadAndValidated() throws Exception {
        assertEquals(dev.hubbub.transport.IoTransport.AUTO, ConfigLoader.parse(FILE, KEY).io());
        for (dev.hubbub.transport.IoTransport t : dev.hubbub.transport.IoTransport.values()) {
            assertEquals(t, ConfigLoader.parse(FILE, "server: { io: " + t.configName() + " }\n" + KEY).io());
        }
        // the line of the io key itself, past a comment and a key that merely starts with "io"
        ConfigException e = failure(KEY + "server:\n  # io_uring needs Linux 5.14\n  ioThreads: 2\n  io: kqueue\n");
        assertMentions(e, FILE + ":7", "server.io", "auto, io_uring, epoll or nio", "kqueue");
    }

    @Test
    void listenerOverridesWinOverTheFile() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, "server: { host: 127.0.0.1, port: 8080 }\n" + KEY);
        assertEquals(0, config.withListener(null, 0).port());
        assertEquals("127.0.0.1", config.withListener(null, 0).host());
        assertEquals("::1", config.withListener("::1", null).host());
        assertEquals(8080, config.withListener("::1", null).port());
    }

    @Test
    void badYamlNamesTheFileAndLine() {
        ConfigException e = failure(KEY + "server:\n  host: 127.0.0.1\n\tport: 8080\n");
        assertMentions(e, FILE + ":6", "YAML");
        assertMentions(failure("server: { host: 127.0.0.1\n" + KEY), FILE + ":", "YAML");
    }

    @Test
    void unknownSettingNamesFileSettingAndLine() {
        ConfigException e = failure("server:\n  host: 127.0.0.1\n  prot: 8080\n" + KEY);
        assertMentions(e, FILE + ":3", "prot");
    }

    @Test
    void unknownTopLevelSettingIsRefused() {
        assertMentions(failure(KEY + "limitz:\n  maxMessageSize: 10\n"), FILE, "limitz");
    }

    @Test
    void unknownKeySettingIsRefused() {
        assertMentions(failure(KEY + "    capabilty: {\"*\": [\"*\"]}\n"), FILE + ":4", "capabilty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nodot", "app.", ".key", "a.b.c", "app.key!"})
    void keyNameMustBeAppIdDotKeyId(String name) {
        ConfigException e = failure("server: { port: 1 }\nkeys:\n  - name: \"" + name + "\"\n    secret: \"s\"\n");
        assertMentions(e, FILE + ":3", "keys[0].name", name);
    }

    @Test
    void duplicateKeyIsRefused() {
        ConfigException e = failure(KEY + "  - name: \"app.key1\"\n    secret: \"s2\"\n");
        assertMentions(e, FILE, "keys[1].name", "duplicate", "app.key1");
    }

    @Test
    void duplicateKeyErrorPointsAtTheDuplicate() {
        ConfigException e = failure(KEY + "  - name: \"app.key1\"\n    secret: \"s2\"\n");
        assertMentions(e, FILE + ":4");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"*\": [\"publish_\"]}", "{\"*\": []}", "{\"*\": [\"*\", \"publish\"]}", "{}", "[\"publish\"]",
            "'{not json'", "{\"*\": \"publish\"}"})
    void invalidCapabilityIsRefused(String capability) {
        ConfigException e = failure(KEY + "    capability: " + capability + "\n");
        assertMentions(e, FILE, "keys[0].capability");
    }

    @Test
    void secretIsRequiredAndNeverShown() {
        assertMentions(failure("keys:\n  - name: \"app.key1\"\n"), FILE, "keys[0].secret");
        ConfigException e = failure("keys:\n  - name: \"app.key1\"\n    secret: \"abc:def\"\n");
        assertTrue(!e.getMessage().contains("abc:def"), e.getMessage());
    }

    @Test
    void noKeysMeansNoStart() {
        assertMentions(failure("server: { port: 8080 }\n"), FILE, "keys");
        assertMentions(failure("keys: []\n"), FILE, "keys");
        assertMentions(failure(""), FILE);
    }

    @Test
    void outOfRangeValuesAreRefused() {
        assertMentions(failure("server: { port: 70000 }\n" + KEY), FILE + ":1", "server.port");
        assertMentions(failure(KEY + "limits:\n  maxMessageSize: 10\n"), FILE + ":5", "limits.maxMessageSize");
        assertMentions(failure(KEY + "limits:\n  maxIdleInterval: 10\n"), FILE + ":5", "limits.maxIdleInterval");
        assertMentions(failure("server: { port: eighty }\n" + KEY), FILE, "port");
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
        assertMentions(e, missing.toString());
    }

    @Test
    void loadReadsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("b.yaml");
        Files.writeString(file, "server: { port: 1234 }\n" + KEY);
        assertEquals(1234, ConfigLoader.load(file).port());
    }

    // ---- server.tls and refuseKeyOverPlaintext

    private static final TestPki PKI = TestPki.create("config-test");

    /** A config with server.tls naming {@code cert} and {@code key} (relative to the config file's directory). */
    private static String tlsConfig(String cert, String key, String more) {
        return "server:\n  port: 8443\n  tls:\n    certFile: " + cert + "\n    keyFile: " + key + "\n" + more + KEY;
    }

    @Test
    void tlsIsOffByDefaultAndSoIsRefusingKeysOverPlaintext() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, KEY);
        assertNull(config.tls());
        assertEquals(false, config.refuseKeyOverPlaintext());
        assertNull(ConfigLoader.load(Path.of("../config/broker.yaml")).tls(), "the default config serves plain ws://");
        assertEquals(true, ConfigLoader.parse(FILE, "server: { refuseKeyOverPlaintext: true }\n" + KEY).refuseKeyOverPlaintext());
    }

    @Test
    void tlsFilesAreReadRelativeToTheConfigFile(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("certs"));
        PKI.issue("config.test", "EC").write(dir.resolve("certs"), "server");
        Path file = Files.writeString(dir.resolve("broker.yaml"), tlsConfig("certs/server.crt", "certs/server.key",
                "    provider: jdk\n    checkInterval: 0\n  refuseKeyOverPlaintext: true\n"));
        BrokerConfig config = ConfigLoader.load(file);
        assertEquals(dir.resolve("certs/server.crt"), config.tls().certFile());
        assertEquals(dir.resolve("certs/server.key"), config.tls().keyFile());
        assertEquals(ServerTls.Provider.JDK, config.tls().provider());
        assertEquals(0, config.tls().checkIntervalMillis());
        assertTrue(config.refuseKeyOverPlaintext());
        BrokerConfig defaults = ConfigLoader.load(Files.writeString(dir.resolve("defaults.yaml"),
                tlsConfig(dir.resolve("certs/server.crt").toString(), dir.resolve("certs/server.key").toString(), "")));
        assertEquals(TlsSettings.of(dir.resolve("certs/server.crt"), dir.resolve("certs/server.key")), defaults.tls(),
                "absolute paths as given; provider auto; checked every 5 s");
    }

    @Test
    void tlsProblemsStopStartupNamingTheSettingTheFileAndTheLine(@TempDir Path dir) throws Exception {
        TestPki.Issued issued = PKI.issue("config.test", "EC");
        Path[] files = issued.write(dir, "server");
        Path yaml = dir.resolve("broker.yaml");
        java.util.function.Function<String, ConfigException> failing = text -> {
            try {
                Files.writeString(yaml, text);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return assertThrows(ConfigException.class, () -> ConfigLoader.load(yaml));
        };
        assertMentions(failing.apply(tlsConfig("missing.crt", "server.key", "")),
                yaml + ":4", "'server.tls.certFile'", dir.resolve("missing.crt") + ": no such file");
        assertMentions(failing.apply(tlsConfig("server.crt", "missing.key", "")),
                yaml + ":5", "'server.tls.keyFile'", "missing.key: no such file");
        Files.writeString(dir.resolve("other.key"), PKI.issue("other.test", "EC").keyPem());
        assertMentions(failing.apply(tlsConfig("server.crt", "other.key", "")),
                yaml + ":5", "'server.tls.keyFile'", "does not belong to the certificate", "CN=config.test");
        Files.writeString(dir.resolve("garbage.key"), "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n");
        assertMentions(failing.apply(tlsConfig("server.crt", "garbage.key", "")),
                yaml + ":5", "'server.tls.keyFile'", "could not be read");
        assertMentions(failing.apply(tlsConfig("server.key", "server.crt", "")), "'server.tls.certFile'", "swapped");
        assertMentions(failing.apply("server:\n  tls:\n    keyFile: server.key\n" + KEY), yaml + ":2",
                "'server.tls.certFile' is required");
        assertMentions(failing.apply(tlsConfig("server.crt", "server.key", "    provider: gnutls\n")), yaml + ":6",
                "'server.tls.provider' must be auto, openssl or jdk, was 'gnutls'");
        assertMentions(failing.apply(tlsConfig("server.crt", "server.key", "    checkInterval: 5\n")), yaml + ":6",
                "'server.tls.checkInterval'");
        assertMentions(failing.apply(tlsConfig("server.crt", "server.key", "    cert: x\n")), "unknown setting", "cert");
        assertTrue(Files.exists(files[1]));
    }
}
