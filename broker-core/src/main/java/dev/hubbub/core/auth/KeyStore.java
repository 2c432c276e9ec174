package dev.hubbub.core.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured API keys by name. Immutable. An empty store allows nothing (fail closed). */
public final class KeyStore {
    private final Map<String, ApiKey> byName;

    public KeyStore(List<ApiKey> keys) {
        Map<String, ApiKey> map = new LinkedHashMap<>();
        for (ApiKey key : keys) {
            if (map.putIfAbsent(key.name(), key) != null) {
                throw new IllegalArgumentException("duplicate key " + key.name());
            }
        }
        this.byName = Map.copyOf(map);
    }

    public Optional<ApiKey> find(String keyName) { return Optional.ofNullable(byName.get(keyName)); }

    public int size() { return byName.size(); }
}
