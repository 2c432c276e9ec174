package dev.hubbub.core.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Outcome;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An Ably capability: resource patterns mapped to permitted operations. Immutable; held in
 * canonical form (resources and operations sorted). Matching is a pure function.
 *
 * <p>Patterns: {@code [*]*} matches every resource; {@code *} alone matches every ordinary channel
 * (not {@code [meta]…}/{@code [queue]…}); {@code [meta]*} (a bracketed prefix and {@code *})
 * every resource of that kind, {@code [meta]identity} included; otherwise {@code *} stands for one whole
 * {@code :}-separated segment, and a trailing {@code *} segment for one or more remaining segments.
 */
public final class Capability {
    public static final String ALL_OPS = Operation.ALL.wireName();

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Capability ALL = new Capability(new TreeMap<>(Map.of("*", new TreeSet<>(Set.of(ALL_OPS)))));

    private final SortedMap<String, SortedSet<String>> resources;
    private final String canonical;
    /**
     * The resource patterns, in the resources' order, and for each the operations it grants as bits
     * (by {@link Operation} ordinal): every publish and attach asks, and walking the sorted map (an
     * iterator and a set lookup per resource) showed on the publish path. Two small arrays, since a
     * token's capability lives as long as each connection using it.
     */
    private final String[] patterns;
    private final long[] grants;

    static {
        if (Operation.values().length > Long.SIZE) {
            throw new IllegalStateException("an operation's grant bit would not fit in a long");
        }
    }

    private Capability(SortedMap<String, SortedSet<String>> resources) {
        SortedMap<String, SortedSet<String>> copy = new TreeMap<>();
        resources.forEach((k, v) -> copy.put(k, Collections.unmodifiableSortedSet(new TreeSet<>(v))));
        this.resources = Collections.unmodifiableSortedMap(copy);
        this.canonical = toCanonicalJson(this.resources);
        this.patterns = this.resources.keySet().toArray(String[]::new);
        this.grants = new long[patterns.length];
        for (int i = 0; i < patterns.length; i++) {
            for (String op : this.resources.get(patterns[i])) {
                Operation operation = Operation.fromWireName(op);
                if (operation != null) {
                    grants[i] |= 1L << operation.ordinal();
                }
            }
        }
    }

    /** Builds a capability from an already-validated map; for code, not for untrusted input. */
    public static Capability of(Map<String, ? extends Set<String>> resources) {
        SortedMap<String, SortedSet<String>> map = new TreeMap<>();
        resources.forEach((k, v) -> map.put(k, new TreeSet<>(v)));
        return new Capability(map);
    }

    /** Parses and validates capability JSON text. */
    public static Outcome<Capability> parse(String json) {
        if (json == null || json.isBlank()) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid capability: empty");
        }
        try {
            // trailing text after the object is refused, not silently ignored
            return fromJson(JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json));
        } catch (JsonProcessingException e) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid capability: not valid JSON");
        }
    }

    /** Validates a capability given as a JSON tree: an object of resource to a non-empty array of operations. */
    public static Outcome<Capability> fromJson(JsonNode node) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid capability: must be a non-empty JSON object");
        }
        SortedMap<String, SortedSet<String>> map = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String resource = e.getKey();
            if (resource.isEmpty()) {
                return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid capability: empty resource name");
            }
            JsonNode ops = e.getValue();
            if (!ops.isArray() || ops.isEmpty()) {
                return Outcome.fail(ErrorCode.BAD_REQUEST,
                        "Invalid capability: operations for '" + resource + "' must be a non-empty array");
            }
            SortedSet<String> set = new TreeSet<>();
            for (JsonNode op : ops) {
                if (!op.isTextual() || Operation.fromWireName(op.asText()) == null) {
                    return Outcome.fail(ErrorCode.BAD_REQUEST,
                            "Invalid capability: unknown operation " + op + " for '" + resource + "'");
                }
                set.add(op.asText());
            }
            if (set.contains(ALL_OPS) && set.size() > 1) {
                return Outcome.fail(ErrorCode.BAD_REQUEST,
                        "Invalid capability: '*' may not be combined with other operations for '" + resource + "'");
            }
            map.put(resource, set);
        }
        return Outcome.ok(new Capability(map));
    }

    public SortedMap<String, SortedSet<String>> resources() { return resources; }

    /** Canonical JSON: keys and operations sorted, no whitespace. */
    public String toJson() { return canonical; }

    public boolean isEmpty() { return resources.isEmpty(); }

    /**
     * Whether {@code operation} is permitted on channel {@code channel}. On a metachannel
     * ({@code [meta]…}) only {@code subscribe} and {@code history} ever are, whatever the capability
     * says: only the broker writes there.
     */
    public boolean allows(String channel, Operation operation) {
        if (channel.startsWith("[meta]") && operation != Operation.SUBSCRIBE && operation != Operation.HISTORY) {
            return false;
        }
        long wanted = (1L << operation.ordinal()) | (1L << Operation.ALL.ordinal());
        for (int i = 0; i < patterns.length; i++) {
            if ((grants[i] & wanted) != 0 && matches(patterns[i], channel)) {
                return true;
            }
        }
        return false;
    }

    /** Whether any operation at all is permitted on the channel. */
    public boolean allowsAny(String channel) {
        for (String pattern : resources.keySet()) {
            if (matches(pattern, channel)) {
                return true;
            }
        }
        return false;
    }

    /** The channel mode bits this capability grants on a channel. */
    public int grantedModes(String channel) {
        int modes = 0;
        if (allows(channel, Operation.SUBSCRIBE)) {
            modes |= Flags.MODE_SUBSCRIBE | Flags.MODE_PRESENCE_SUBSCRIBE;
        }
        if (allows(channel, Operation.PUBLISH)) {
            modes |= Flags.MODE_PUBLISH;
        }
        if (allows(channel, Operation.PRESENCE)) {
            modes |= Flags.MODE_PRESENCE;
        }
        if (allows(channel, Operation.ANNOTATION_PUBLISH)) {
            modes |= Flags.MODE_ANNOTATION_PUBLISH;
        }
        if (allows(channel, Operation.ANNOTATION_SUBSCRIBE)) {
            modes |= Flags.MODE_ANNOTATION_SUBSCRIBE;
        }
        if (allows(channel, Operation.OBJECT_SUBSCRIBE)) {
            modes |= Flags.MODE_OBJECT_SUBSCRIBE;
        }
        if (allows(channel, Operation.OBJECT_PUBLISH)) {
            modes |= Flags.MODE_OBJECT_PUBLISH;
        }
        return modes;
    }

    /**
     * The capability a token gets when {@code requested} is asked for under a key holding
     * {@code key}: every requested resource the key covers, with the operations both allow.
     * <ul>
     *   <li>A requested resource covered by a key pattern keeps its own (narrower) name.</li>
     *   <li>A requested pattern broader than a key pattern (requested {@code *}, key {@code chat:*})
     *       yields the key's narrower pattern.</li>
     *   <li>Operations: requested {@code *} yields the key's operations, key {@code *} yields the
     *       requested ones, otherwise those in both. Several key patterns covering one resource
     *       contribute the union of what each allows.</li>
     *   <li>Resources with no operation in common are dropped; patterns that merely overlap
     *       (neither covers the other, e.g. {@code a:*:c} and {@code a:b:*}) are dropped too,
     *       which can only grant less.</li>
     * </ul>
     * An empty result is a rejection, 40160.
     */
    public static Outcome<Capability> intersect(Capability requested, Capability key) {
        SortedMap<String, SortedSet<String>> result = new TreeMap<>();
        for (Map.Entry<String, SortedSet<String>> req : requested.resources.entrySet()) {
            for (Map.Entry<String, SortedSet<String>> granted : key.resources.entrySet()) {
                String resource;
                if (matches(granted.getKey(), req.getKey())) {
                    resource = req.getKey();
                } else if (matches(req.getKey(), granted.getKey())) {
                    resource = granted.getKey();
                } else {
                    continue;
                }
                SortedSet<String> ops = commonOperations(req.getValue(), granted.getValue());
                if (!ops.isEmpty()) {
                    SortedSet<String> merged = result.computeIfAbsent(resource, r -> new TreeSet<>());
                    merged.addAll(ops);
                    if (merged.contains(ALL_OPS)) {
                        merged.retainAll(Set.of(ALL_OPS));
                    }
                }
            }
        }
        if (result.isEmpty()) {
            return Outcome.fail(ErrorCode.CAPABILITY_DENIED,
                    "Requested capability " + requested.canonical + " has nothing in common with the key's capability");
        }
        return Outcome.ok(new Capability(result));
    }

    private static SortedSet<String> commonOperations(Set<String> requested, Set<String> granted) {
        if (requested.contains(ALL_OPS)) {
            return new TreeSet<>(granted);
        }
        SortedSet<String> ops = new TreeSet<>(requested);
        if (!granted.contains(ALL_OPS)) {
            ops.retainAll(granted);
        }
        return ops;
    }

    /** Whether a resource pattern matches a resource name. */
    public static boolean matches(String pattern, String resource) {
        if ("[*]*".equals(pattern)) {
            return true;
        }
        if ("*".equals(pattern)) {
            return !resource.startsWith("[");
        }
        if (pattern.startsWith("[") && pattern.endsWith("]*") && pattern.indexOf(']') == pattern.length() - 2) {
            return resource.startsWith(pattern.substring(0, pattern.length() - 1)); // [meta]*: every [meta] resource
        }
        if (pattern.equals(resource)) {
            return true;
        }
        String[] p = pattern.split(":", -1);
        String[] r = resource.split(":", -1);
        for (int i = 0; i < p.length; i++) {
            boolean last = i == p.length - 1;
            if (last && "*".equals(p[i])) {
                return r.length > i;
            }
            if (i >= r.length) {
                return false;
            }
            if (!"*".equals(p[i]) && !p[i].equals(r[i])) {
                return false;
            }
        }
        return p.length == r.length;
    }

    private static String toCanonicalJson(SortedMap<String, SortedSet<String>> resources) {
        ObjectNode root = JSON.createObjectNode();
        resources.forEach((k, v) -> {
            ArrayNode arr = root.putArray(k);
            v.forEach(arr::add);
        });
        return root.toString();
    }

    @Override
    public boolean equals(Object o) { return o instanceof Capability c && c.canonical.equals(canonical); }

    @Override
    public int hashCode() { return canonical.hashCode(); }

    @Override
    public String toString() { return canonical; }
}
