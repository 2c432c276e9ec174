package dev.hubbub.server.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.presence.PresenceSettings;
import dev.hubbub.core.session.Limits;
import dev.hubbub.transport.IoTransport;
import dev.hubbub.transport.tls.ServerTls;
import dev.hubbub.transport.tls.TlsConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the YAML config once, validates every setting and freezes it into a {@link BrokerConfig}.
 * Any problem stops startup with a message naming the file, the setting and, where known, the line.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    // The file's shape. Every field is optional except keys.
    record FileShape(ServerShape server, List<KeyShape> keys, LimitsShape limits, PresenceShape presence,
                     HistoryShape history, ClusterShape cluster, TokensShape tokens,
                     ProvenanceConfig.Shape provenance, LoggingShape logging, Map<String, AppsSection.AppShape> apps,
                     AuditSettings.Shape audit, ConsoleSettings.Shape console) {}

    record TokensShape(Long defaultTtl, Long maxTtl, Long noncesPerKey) {}

    record LoggingShape(String format, String level) {}

    record AdminShape(String host, Integer port) {}

    record ClusterShape(List<String> redis, String nodeId, Long commandTimeout, Integer maxMessagesPerChannel,
                        Long unreachableTimeout, Long presenceDeadAfter) {}

    record HistoryShape(Long maxAge, Integer minMessages, Long maxBytesPerChannel, Long maxBytesTotal, Long dedupeWindow) {}

    record ServerShape(String host, Integer port, @JsonProperty("ioThreads") Integer ioThreads,
                       @JsonProperty("maxBacklogBytes") Long maxBacklogBytes, @JsonProperty("closeLinger") Long closeLinger,
                       TlsShape tls, Boolean refuseKeyOverPlaintext, @JsonProperty("drainTimeout") Long drainTimeout,
                       Long requestBodyTimeout, AdminShape admin, String io, Long memoryPressureBytes,
                       Long backlogUnderPressureBytes) {}

    record TlsShape(String certFile, String keyFile, String provider, Long checkInterval) {}

    record PresenceShape(Long gracePeriod, Long minGracePeriod, Long maxGracePeriod, Integer syncPageMembers,
                         Integer syncPageBytes) {}

    record KeyShape(String name, String secret, String secretFile, String secretEnv, JsonNode capability,
                    Integer maxInboundRate) {}

    record LimitsShape(Integer maxMessageSize, Integer maxFrameSize, Integer maxInboundRate, Long maxIdleInterval,
                       Long connectionStateTtl, Integer maxChannelsPerConnection, String serverId,
                       Long inboundRateDisconnectAfter, Integer maxPresenceMembersPerChannel,
                       Integer maxPresenceMembersPerConnection, Integer maxTokenRequestBytes, Double connectionRatePerAddress,
                       Integer connectionBurstPerAddress, List<String> connectionRateExempt) {}

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private ConfigLoader() {}

    /** Reads {@code file} with this process's environment (for {@code keys[].secretEnv}); warnings are logged. */
    public static BrokerConfig load(Path file) throws ConfigException {
        return load(file, System.getenv(), log::warn);
    }

    /** Reads {@code file} with this process's environment (for {@code keys[].secretEnv}). */
    public static BrokerConfig load(Path file, Consumer<String> warnings) throws ConfigException {
        return load(file, System.getenv(), warnings);
    }

    /**
     * @param env      the environment {@code keys[].secretEnv} names are looked up in
     * @param warnings told about what works but should not be so (a secret file others may read)
     */
    public static BrokerConfig load(Path file, Map<String, String> env, Consumer<String> warnings) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the config file (" + e.getMessage() + ")");
        }
        return parse(file.toString(), text, env, warnings);
    }

    /** Parses {@code text} as if read from {@code fileName} (relative paths start at its directory). */
    public static BrokerConfig parse(String fileName, String text) throws ConfigException {
        return parse(fileName, text, System.getenv(), log::warn);
    }

    public static BrokerConfig parse(String fileName, String text, Map<String, String> env, Consumer<String> warnings)
            throws ConfigException {
        FileShape shape;
        try {
            shape = YAML.readValue(text, FileShape.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(fileName + settingLine(text, e) + ": unknown setting '" + path(e)
                    + "'; known here: " + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof JsonProcessingException syntax) { // a YAML syntax error met while mapping
                throw new ConfigException(fileName + yamlLine(syntax) + ": not valid YAML: " + syntax.getOriginalMessage());
            }
            throw new ConfigException(fileName + settingLine(text, e) + ": invalid value for '" + path(e) + "': "
                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(fileName + yamlLine(e) + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (shape == null) {
            throw new ConfigException(fileName + ": the file is empty; it needs at least one key under 'keys'");
        }
        ServerShape server = shape.server() != null ? shape.server() : new ServerShape(null, null, null, null, null, null, null, null, null, null, null, null, null);
        String host = server.host() != null ? server.host() : "127.0.0.1";
        int port = server.port() != null ? server.port() : 8080;
        if (port < 0 || port > 65535) {
            throw new ConfigException(fileName + lineOf(text, "port") + ": 'server.port' must be 0..65535, was " + port);
        }
        int ioThreads = server.ioThreads() != null ? server.ioThreads() : 0;
        if (ioThreads < 0) {
            throw new ConfigException(fileName + lineOf(text, "ioThreads") + ": 'server.ioThreads' must be >= 0");
        }
        long backlog = server.maxBacklogBytes() != null ? server.maxBacklogBytes() : 8L * 1024 * 1024;
        if (backlog < 64 * 1024) {
            throw new ConfigException(fileName + lineOf(text, "maxBacklogBytes") + ": 'server.maxBacklogBytes' must be at least 65536");
        }
        long linger = server.closeLinger() != null ? server.closeLinger() : BrokerConfig.DEFAULT_CLOSE_LINGER_MILLIS;
        if (linger < 0 || linger > 60_000) {
            throw new ConfigException(fileName + lineOf(text, "closeLinger") + ": 'server.closeLinger' must be 0..60000 (ms)");
        }
        long drainTimeout = server.drainTimeout() != null ? server.drainTimeout() : BrokerConfig.DEFAULT_DRAIN_TIMEOUT_MILLIS;
        if (drainTimeout < 0 || drainTimeout > 3_600_000) {
            throw new ConfigException(fileName + lineOf(text, "drainTimeout") + ": 'server.drainTimeout' must be 0..3600000 (ms)");
        }
        IoTransport io = IoTransport.fromConfig(server.io() != null ? server.io() : "auto");
        check(fileName, text, "server", "io", io != null, "must be auto, io_uring, epoll or nio, was '" + server.io() + "'");
        List<ApiKey> keys = KeysSection.keys(fileName, text, shape.keys(), baseDirectory(fileName), env, warnings);
        Limits limits = limits(fileName, text, shape.limits()).withInboundRates(inboundRateDisconnectAfter(fileName, text,
                shape.limits()), KeysSection.inboundRates(fileName, text, shape.keys()));
        return new BrokerConfig(host, port, keys, limits,
                backlog, ioThreads, linger, memberCaps(fileName, text, presence(fileName, text, shape.presence()), shape.limits()),
                retention(fileName, text, shape.history()), ClusterSection.cluster(fileName, text, shape.cluster(), shape.limits()))
                .withTls(tls(fileName, text, server.tls()), Boolean.TRUE.equals(server.refuseKeyOverPlaintext()))
                .withDrainTimeout(drainTimeout)
                .withTokens(OperationsSection.tokens(fileName, text, shape.tokens()))
                .withListenerLimits(ListenerSettings.read(fileName, text, server, shape.limits(), backlog))
                .withProvenance(ProvenanceConfig.parse(fileName, text, shape.provenance(), keys))
                .withAdmin(OperationsSection.admin(fileName, text, server.admin(), port))
                .withLogging(OperationsSection.logging(fileName, text, shape.logging()))
                .withClientIdLimits(AppsSection.clientIdLimits(fileName, text, shape.apps(), keys))
                .withAudit(AuditSettings.parse(fileName, text, shape.audit()))
                .withConsole(ConsoleSettings.parse(shape.console()))
                .withIo(io);
    }

    /** The directory relative paths in the file start from (the file's own), or null when it has none. */
    private static Path baseDirectory(String fileName) {
        return Path.of(fileName).toAbsolutePath().getParent();
    }

    /**
     * {@code server.tls}, or null when there is none. Relative paths are taken from the config
     * file's directory. The files are read and checked now (they exist, are PEM, the key belongs to
     * the first certificate, the TLS library takes them), so a broker never starts with TLS it cannot serve.
     */
    private static TlsSettings tls(String fileName, String text, TlsShape s) throws ConfigException {
        if (s == null) {
            return null;
        }
        if (s.certFile() == null || s.certFile().isBlank()) { // no line of its own: the section's
            throw new ConfigException(fileName + lineOfKey(text, "tls") + ": 'server.tls.certFile' is required with server.tls:"
                    + " the PEM file with the server's certificate, then its intermediates");
        }
        if (s.keyFile() == null || s.keyFile().isBlank()) {
            throw new ConfigException(fileName + lineOfKey(text, "tls") + ": 'server.tls.keyFile' is required with server.tls:"
                    + " the PEM file with the certificate's private key");
        }
        String providerName = s.provider() != null ? s.provider().toLowerCase(java.util.Locale.ROOT) : "auto";
        check(fileName, text, "server.tls", "provider", List.of("auto", "openssl", "jdk").contains(providerName),
                "must be auto, openssl or jdk, was '" + s.provider() + "'");
        ServerTls.Provider provider = ServerTls.Provider.valueOf(providerName.toUpperCase(java.util.Locale.ROOT));
        long interval = s.checkInterval() != null ? s.checkInterval() : TlsSettings.DEFAULT_CHECK_INTERVAL_MILLIS;
        check(fileName, text, "server.tls", "checkInterval", interval == 0 || interval >= 100,
                "must be 0 (reload only on SIGHUP) or at least 100 (ms)");
        Path base = baseDirectory(fileName);
        Path certFile = base == null ? Path.of(s.certFile()) : base.resolve(s.certFile());
        Path keyFile = base == null ? Path.of(s.keyFile()) : base.resolve(s.keyFile());
        try (ServerTls probe = ServerTls.load(certFile, keyFile, provider)) {
            return new TlsSettings(certFile, keyFile, provider, interval);
        } catch (TlsConfigException e) {
            throw new ConfigException(fileName + lineOfKey(text, e.setting()) + ": 'server.tls." + e.setting() + "' "
                    + e.getMessage());
        }
    }

    private static Limits limits(String fileName, String text, LimitsShape s) throws ConfigException {
        Limits d = Limits.defaults();
        if (s == null) {
            return d;
        }
        Limits l = new Limits(
                s.maxMessageSize() != null ? s.maxMessageSize() : d.maxMessageSize(),
                s.maxFrameSize() != null ? s.maxFrameSize() : d.maxFrameSize(),
                s.maxInboundRate() != null ? s.maxInboundRate() : d.maxInboundRate(),
                s.maxIdleInterval() != null ? s.maxIdleInterval() : d.maxIdleInterval(),
                s.connectionStateTtl() != null ? s.connectionStateTtl() : d.connectionStateTtl(),
                s.maxChannelsPerConnection() != null ? s.maxChannelsPerConnection() : d.maxChannelsPerConnection(),
                s.serverId() != null ? s.serverId() : d.serverId());
        check(fileName, text, "maxMessageSize", l.maxMessageSize() >= 1024, "must be at least 1024");
        check(fileName, text, "maxFrameSize", l.maxFrameSize() >= l.maxMessageSize(), "must be at least maxMessageSize");
        check(fileName, text, "maxInboundRate", l.maxInboundRate() > 0, "must be positive");
        check(fileName, text, "maxIdleInterval", l.maxIdleInterval() >= 1000, "must be at least 1000 (ms)");
        check(fileName, text, "connectionStateTtl", l.connectionStateTtl() >= 0, "must not be negative");
        check(fileName, text, "maxChannelsPerConnection", l.maxChannelsPerConnection() > 0, "must be positive");
        return l;
    }

    /** {@code limits.inboundRateDisconnectAfter}: ms over the inbound rate before a connection is disconnected (0: never). */
    private static long inboundRateDisconnectAfter(String fileName, String text, LimitsShape s) throws ConfigException {
        long after = s != null && s.inboundRateDisconnectAfter() != null ? s.inboundRateDisconnectAfter()
                : Limits.DEFAULT_INBOUND_RATE_DISCONNECT_AFTER;
        check(fileName, text, "inboundRateDisconnectAfter", after == 0 || after >= 1000, "must be 0 (never) or at least 1000 (ms)");
        return after;
    }

    /** {@code limits.maxPresenceMembersPerChannel} and {@code limits.maxPresenceMembersPerConnection}. */
    private static PresenceSettings memberCaps(String fileName, String text, PresenceSettings p, LimitsShape s)
            throws ConfigException {
        if (s == null) {
            return p;
        }
        int perChannel = s.maxPresenceMembersPerChannel() != null ? s.maxPresenceMembersPerChannel() : p.maxMembersPerChannel();
        int perConnection = s.maxPresenceMembersPerConnection() != null ? s.maxPresenceMembersPerConnection()
                : p.maxMembersPerConnection();
        check(fileName, text, "maxPresenceMembersPerChannel", perChannel >= 1, "must be at least 1");
        check(fileName, text, "maxPresenceMembersPerConnection", perConnection >= 1, "must be at least 1");
        return p.withMemberCaps(perChannel, perConnection);
    }

    private static PresenceSettings presence(String fileName, String text, PresenceShape s) throws ConfigException {
        PresenceSettings d = PresenceSettings.defaults();
        if (s == null) {
            return d;
        }
        long grace = s.gracePeriod() != null ? s.gracePeriod() : d.defaultGraceMillis();
        long min = s.minGracePeriod() != null ? s.minGracePeriod() : Math.min(d.minGraceMillis(), grace);
        long max = s.maxGracePeriod() != null ? s.maxGracePeriod() : Math.max(d.maxGraceMillis(), grace);
        int pageMembers = s.syncPageMembers() != null ? s.syncPageMembers() : d.syncPageMembers();
        int pageBytes = s.syncPageBytes() != null ? s.syncPageBytes() : d.syncPageBytes();
        check(fileName, text, "presence", "minGracePeriod", min >= 0, "must not be negative");
        check(fileName, text, "presence", "maxGracePeriod", max >= min, "must be at least minGracePeriod");
        check(fileName, text, "presence", "gracePeriod", grace >= min && grace <= max,
                "must lie within minGracePeriod..maxGracePeriod (" + min + ".." + max + ")");
        check(fileName, text, "presence", "syncPageMembers", pageMembers >= 1, "must be at least 1");
        check(fileName, text, "presence", "syncPageBytes", pageBytes >= 1024, "must be at least 1024");
        return new PresenceSettings(grace, min, max, pageMembers, pageBytes);
    }

    private static Retention retention(String fileName, String text, HistoryShape s) throws ConfigException {
        Retention d = Retention.defaults();
        if (s == null) {
            return d;
        }
        long maxAge = s.maxAge() != null ? s.maxAge() : d.maxAgeMillis();
        int minMessages = s.minMessages() != null ? s.minMessages() : d.minMessages();
        long perChannel = s.maxBytesPerChannel() != null ? s.maxBytesPerChannel() : d.maxBytesPerChannel();
        long total = s.maxBytesTotal() != null ? s.maxBytesTotal() : Math.max(d.maxBytesTotal(), perChannel);
        long dedupe = s.dedupeWindow() != null ? s.dedupeWindow() : d.dedupeWindowMillis();
        check(fileName, text, "history", "maxAge", maxAge >= 0, "must not be negative (ms)");
        check(fileName, text, "history", "minMessages", minMessages >= 0, "must not be negative");
        check(fileName, text, "history", "maxBytesPerChannel", perChannel >= 1024, "must be at least 1024");
        check(fileName, text, "history", "maxBytesTotal", total >= perChannel, "must be at least maxBytesPerChannel");
        check(fileName, text, "history", "dedupeWindow", dedupe >= 0, "must not be negative (ms)");
        return new Retention(maxAge, minMessages, perChannel, total, dedupe);
    }

    /** A Redis address as it may be shown: a password in it ({@code redis://:pw@host}) replaced by {@code ***}. */
    static String withoutPassword(String uri) {
        return uri == null ? null : uri.replaceFirst("//[^/@]*@", "//***@");
    }

    private static void check(String fileName, String text, String setting, boolean ok, String rule) throws ConfigException {
        check(fileName, text, "limits", setting, ok, rule);
    }

    static void check(String fileName, String text, String section, String setting, boolean ok, String rule)
            throws ConfigException {
        if (!ok) {
            throw new ConfigException(fileName + lineOfKey(text, setting) + ": '" + section + "." + setting + "' " + rule);
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String line(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : ":" + location.getLineNr();
    }

    /** The line SnakeYAML marks as the problem (Jackson's own location is the last good token), else Jackson's. */
    private static String yamlLine(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                return ":" + (marked.getProblemMark().getLine() + 1);
            }
        }
        return line(e.getLocation());
    }

    /**
     * The line of the setting a mapping error is about. Jackson's own location is unreliable here:
     * records are built through their constructors, so Jackson buffers a whole mapping and reports
     * where the mapping ends. The setting's name is looked up in the text instead.
     */
    private static String settingLine(String text, JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        String name = path.isEmpty() ? null : path.get(path.size() - 1).getFieldName();
        String found = name == null ? "" : lineOfKey(text, name);
        return found.isEmpty() ? line(e.getLocation()) : found;
    }

    /** Best effort: the first line where {@code key} is written as a YAML key ({@code key:}), or "". */
    static String lineOfKey(String text, String key) {
        Pattern p = Pattern.compile("(?:^|[\\s{,-])[\"']?" + Pattern.quote(key) + "[\"']?\\s*:");
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String code = lines[i].contains("#") ? lines[i].substring(0, lines[i].indexOf('#')) : lines[i];
            if (p.matcher(code).find()) {
                return ":" + (i + 1);
            }
        }
        return "";
    }

    /** Best effort: the line of the {@code skip}+1-th line mentioning {@code needle} (so a duplicate points at itself). */
    static String lineOfValue(String text, String needle, int skip) {
        String[] lines = text.split("\n", -1);
        int seen = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle) && seen++ == skip) {
                return ":" + (i + 1);
            }
        }
        return lineOf(text, needle);
    }

    /** Best effort: the first line mentioning {@code needle}. */
    static String lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return ":" + (i + 1);
            }
        }
        return "";
    }
}
