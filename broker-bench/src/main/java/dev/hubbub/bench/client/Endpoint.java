package dev.hubbub.bench.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The broker's realtime endpoint: {@code ws[s]://host:port/} plus the connect query
 * ({@code key} or {@code accessToken}, {@code format}, {@code v=6}, {@code heartbeats=false}, optional {@code clientId},
 * {@code echo=false} and {@code resume=<connectionKey>}).
 */
public record Endpoint(URI base) {
    public static final String PROTOCOL_VERSION = "6";

    /** Credentials and identity for one connection. */
    /** {@code resume}: the connectionKey of a connection to resume (RTN15b1), or null for a new one. */
    public record Credentials(String key, String accessToken, String clientId, boolean echo, String resume) {
        public static Credentials key(String key, String clientId) {
            return new Credentials(key, null, clientId, true, null);
        }

        public static Credentials token(String token, String clientId) {
            return new Credentials(null, token, clientId, true, null);
        }

        public Credentials withoutEcho() {
            return new Credentials(key, accessToken, clientId, false, resume);
        }

        /** The same credentials, asking to resume the connection whose CONNECTED carried {@code connectionKey}. */
        public Credentials withResume(String connectionKey) {
            return new Credentials(key, accessToken, clientId, echo, connectionKey);
        }
    }

    /** Parses and checks a {@code ws://} or {@code wss://} URL; throws IllegalArgumentException. */
    public static Endpoint parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("URL must start with ws:// or wss://, was " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URL has no host: " + url);
        }
        if (uri.getRawQuery() != null) {
            throw new IllegalArgumentException("put credentials in --key, not in the URL query: " + url);
        }
        return new Endpoint(uri);
    }

    /**
     * Parses a comma-separated list of endpoints (a cluster's nodes, in order; one URL is a list
     * of one). Blanks around a comma are ignored; an empty entry or the same URL twice is an error.
     */
    public static List<Endpoint> parseAll(String urls) {
        if (urls == null || urls.isBlank()) {
            throw new IllegalArgumentException("no URL given");
        }
        List<Endpoint> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String part : urls.split(",", -1)) {
            String url = part.trim();
            if (url.isEmpty()) {
                throw new IllegalArgumentException("empty entry in the list " + urls);
            }
            Endpoint e = parse(url);
            if (!seen.add(e.address())) {
                throw new IllegalArgumentException(url + " is listed twice");
            }
            out.add(e);
        }
        return out;
    }

    public boolean tls() {
        return base.getScheme().equalsIgnoreCase("wss");
    }

    public String host() {
        return base.getHost();
    }

    public int port() {
        return base.getPort() > 0 ? base.getPort() : tls() ? 443 : 80;
    }

    /** The REST base, {@code http[s]://host:port}, for token requests. */
    public String httpBase() {
        return (tls() ? "https://" : "http://") + hostForUrl() + ":" + port();
    }

    private String hostForUrl() {
        String h = host();
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    /** Scheme, host, port and path as a connection uses them: two URLs for the same address compare equal. */
    String address() {
        return base.getScheme().toLowerCase(Locale.ROOT) + "://" + hostForUrl().toLowerCase(Locale.ROOT) + ":" + port()
                + path();
    }

    private String path() {
        return base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath();
    }

    /** The URI to open for one connection. */
    public URI connectUri(Credentials c, WireCodec.Format format) {
        StringBuilder q = new StringBuilder();
        if (c.accessToken() != null) {
            append(q, "accessToken", c.accessToken());
        } else if (c.key() != null) {
            append(q, "key", c.key());
        }
        if (c.clientId() != null) {
            append(q, "clientId", c.clientId());
        }
        append(q, "format", format.param());
        append(q, "v", PROTOCOL_VERSION);
        append(q, "heartbeats", "false"); // as the SDKs on Node and the JVM say: pings suffice (they answer them)
        if (!c.echo()) {
            append(q, "echo", "false");
        }
        if (c.resume() != null) {
            append(q, "resume", c.resume());
        }
        return URI.create(base.getScheme() + "://" + hostForUrl() + ":" + port() + path() + "?" + q);
    }

    /** The URL as given, e.g. {@code ws://127.0.0.1:8081}; names a node in reports. */
    @Override
    public String toString() {
        return base.toString();
    }

    private static void append(StringBuilder q, String name, String value) {
        if (q.length() > 0) {
            q.append('&');
        }
        q.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
}
