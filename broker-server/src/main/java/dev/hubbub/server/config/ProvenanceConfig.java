package dev.hubbub.server.config;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.identity.Provenance;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code provenance} section: where messages and presence events tell how their clientId was
 * established ({@link Provenance}). Off everywhere when absent.
 *
 * <pre>
 * provenance:
 *   apps: [myapp]                    # every channel of these apps
 *   channels:                        # or some channels of an app, as capability resources name them
 *     otherapp: ["audit:*", orders]
 * </pre>
 * Every app named must be the app of a configured key (a typo would otherwise leave provenance off
 * without a word); a channel pattern may not be empty.
 */
final class ProvenanceConfig {
    /** The section as written. */
    record Shape(List<String> apps, Map<String, List<String>> channels) {}

    private ProvenanceConfig() {}

    static Provenance parse(String fileName, String text, Shape s, List<ApiKey> keys) throws ConfigException {
        if (s == null) {
            return Provenance.OFF;
        }
        Set<String> known = new LinkedHashSet<>();
        keys.forEach(k -> known.add(k.appId()));
        Set<String> apps = new LinkedHashSet<>();
        for (String app : s.apps() == null ? List.<String>of() : s.apps()) {
            requireKnown(fileName, text, "apps", app, known);
            apps.add(app);
        }
        Map<String, List<String>> channels = new LinkedHashMap<>();
        if (s.channels() != null) {
            for (Map.Entry<String, List<String>> e : s.channels().entrySet()) {
                requireKnown(fileName, text, "channels", e.getKey(), known);
                List<String> patterns = e.getValue() == null ? List.of() : e.getValue();
                if (patterns.isEmpty() || patterns.stream().anyMatch(p -> p == null || p.isEmpty())) {
                    throw new ConfigException(fileName + ConfigLoader.lineOfKey(text, e.getKey()) + ": 'provenance.channels."
                            + e.getKey() + "' must list one or more non-empty channel patterns (e.g. \"audit:*\")");
                }
                channels.put(e.getKey(), List.copyOf(patterns));
            }
        }
        return new Provenance(apps, channels);
    }

    private static void requireKnown(String fileName, String text, String setting, String app, Set<String> known)
            throws ConfigException {
        if (app == null || !known.contains(app)) {
            throw new ConfigException(fileName + ConfigLoader.lineOfKey(text, setting) + ": 'provenance." + setting
                    + "' names app '" + app + "', which no key belongs to; apps with keys: " + String.join(", ", known));
        }
    }
}
