package dev.hubbub.server.config;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.limits.ClientIdLimits;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code apps} section: settings of one app (the part of a key name before the dot), for now
 * its limits per person. No limit without the section.
 *
 * <pre>
 * apps:
 *   myapp:
 *     maxConnectionsPerClientId: 5      # concurrent connections of one clientId
 *     onConnectionLimit: refuse         # or closeOldest
 *     maxPublishRatePerClientId: 50     # messages per second of one clientId, across its connections
 * </pre>
 * Every app named must be the app of a configured key (a typo would leave the limits off without
 * a word); limits are 1 or more; {@code onConnectionLimit} goes with a connection limit.
 */
final class AppsSection {
    /** One app as written. */
    record AppShape(Integer maxConnectionsPerClientId, String onConnectionLimit, Integer maxPublishRatePerClientId) {}

    private AppsSection() {}

    static ClientIdLimits clientIdLimits(String fileName, String text, Map<String, AppShape> apps, List<ApiKey> keys)
            throws ConfigException {
        if (apps == null || apps.isEmpty()) {
            return ClientIdLimits.OFF;
        }
        Set<String> known = new LinkedHashSet<>();
        keys.forEach(k -> known.add(k.appId()));
        Map<String, ClientIdLimits.App> byApp = new LinkedHashMap<>();
        for (Map.Entry<String, AppShape> e : apps.entrySet()) {
            String app = e.getKey();
            AppShape s = e.getValue() != null ? e.getValue() : new AppShape(null, null, null);
            if (!known.contains(app)) {
                throw new ConfigException(fileName + ConfigLoader.lineOfKey(text, app) + ": 'apps." + app
                        + "' names an app no key belongs to; apps with keys: " + String.join(", ", known));
            }
            Integer connections = s.maxConnectionsPerClientId();
            require(fileName, text, app, "maxConnectionsPerClientId", connections == null || connections >= 1,
                    "must be 1 or more (leave it out for no limit), was " + connections);
            Integer rate = s.maxPublishRatePerClientId();
            require(fileName, text, app, "maxPublishRatePerClientId", rate == null || rate >= 1,
                    "must be 1 or more messages per second (leave it out for no limit), was " + rate);
            ClientIdLimits.OnConnectionLimit policy = ClientIdLimits.OnConnectionLimit.REFUSE;
            if (s.onConnectionLimit() != null) {
                policy = switch (s.onConnectionLimit().strip()) {
                    case "refuse" -> ClientIdLimits.OnConnectionLimit.REFUSE;
                    case "closeOldest" -> ClientIdLimits.OnConnectionLimit.CLOSE_OLDEST;
                    default -> null;
                };
                require(fileName, text, app, "onConnectionLimit", policy != null,
                        "must be refuse or closeOldest, was '" + s.onConnectionLimit() + "'");
                require(fileName, text, app, "onConnectionLimit", connections != null,
                        "needs maxConnectionsPerClientId beside it");
            }
            byApp.put(app, new ClientIdLimits.App(connections == null ? 0 : connections, policy, rate == null ? 0 : rate));
        }
        return new ClientIdLimits(byApp);
    }

    private static void require(String fileName, String text, String app, String setting, boolean ok, String rule)
            throws ConfigException {
        if (!ok) {
            throw new ConfigException(fileName + lineWithin(text, app, setting) + ": 'apps." + app + "." + setting + "' " + rule);
        }
    }

    /** ":N" of the first line naming {@code setting} after the line naming {@code app}, or of {@code app}'s line. */
    private static String lineWithin(String text, String app, String setting) {
        Pattern appKey = Pattern.compile("^\\s*[\"']?" + Pattern.quote(app) + "[\"']?\\s*:");
        Pattern settingKey = Pattern.compile("(?:^|[\\s{,])[\"']?" + Pattern.quote(setting) + "[\"']?\\s*:");
        String[] lines = text.split("\n", -1);
        int from = -1;
        for (int i = 0; i < lines.length; i++) {
            if (from < 0 && appKey.matcher(lines[i]).find()) {
                from = i;
            }
            if (from >= 0 && settingKey.matcher(lines[i]).find()) {
                return ":" + (i + 1);
            }
        }
        return from >= 0 ? ":" + (from + 1) : "";
    }
}
