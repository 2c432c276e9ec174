package dev.hubbub.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.server.config.ConfigLoader.KeyShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The {@code keys} section: each key's name, capability, inbound rate and secret. The secret is
 * written in the file ({@code secret}), read from a file ({@code secretFile}, relative to the config
 * file's directory, one line, a trailing newline dropped) or from an environment variable
 * ({@code secretEnv}); exactly one of the three. No message ever quotes a secret: errors name the
 * key, the setting and the file or variable.
 */
final class KeysSection {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private KeysSection() {}

    /**
     * @param base     the config file's directory, for relative {@code secretFile} paths
     * @param env      the environment {@code secretEnv} names are looked up in
     * @param warnings told about a secret file others may read (nothing secret in the text)
     */
    static List<ApiKey> keys(String fileName, String text, List<KeyShape> shapes, Path base, Map<String, String> env,
                             Consumer<String> warnings) throws ConfigException {
        if (shapes == null || shapes.isEmpty()) {
            throw new ConfigException(fileName + ": 'keys' must list at least one API key (with none, nothing could connect)");
        }
        List<ApiKey> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < shapes.size(); i++) {
            KeyShape k = shapes.get(i);
            String where = "keys[" + i + "]";
            if (k == null || k.name() == null) {
                throw new ConfigException(fileName + ": '" + where + ".name' is required");
            }
            String at = fileName + ConfigLoader.lineOfValue(text, k.name(), occurrences(shapes, i));
            String reason = ApiKey.invalidNameReason(k.name());
            if (reason != null) {
                throw new ConfigException(at + ": '" + where + ".name' " + reason + ", was '" + k.name() + "'");
            }
            if (!seen.add(k.name())) {
                throw new ConfigException(at + ": '" + where + ".name' duplicate key '" + k.name() + "'");
            }
            String secret = secret(at, where, k, base, env, warnings);
            Capability capability = Capability.ALL;
            if (k.capability() != null) {
                JsonNode node = k.capability();
                Outcome<Capability> parsed = node.isTextual() ? Capability.parse(node.textValue()) : Capability.fromJson(node);
                if (!parsed.isOk()) {
                    throw new ConfigException(at + ": '" + where + ".capability' " + parsed.error().message());
                }
                capability = parsed.value();
            }
            keys.add(new ApiKey(k.name(), secret, capability));
        }
        return keys;
    }

    /** The key's secret, from exactly one of {@code secret}, {@code secretFile}, {@code secretEnv}. */
    private static String secret(String at, String where, KeyShape k, Path base, Map<String, String> env,
                                 Consumer<String> warnings) throws ConfigException {
        List<String> given = new ArrayList<>();
        if (k.secret() != null) {
            given.add("secret");
        }
        if (k.secretFile() != null) {
            given.add("secretFile");
        }
        if (k.secretEnv() != null) {
            given.add("secretEnv");
        }
        String ofKey = " (key " + k.name() + ")";
        if (given.isEmpty()) {
            throw new ConfigException(at + ": '" + where + ".secret' is required" + ofKey
                    + ": give exactly one of secret, secretFile or secretEnv");
        }
        if (given.size() > 1) {
            throw new ConfigException(at + ": '" + where + "." + given.get(1) + "'" + ofKey
                    + ": give exactly one of secret, secretFile or secretEnv, not " + String.join(" and ", given));
        }
        String setting = where + "." + given.get(0);
        String secret;
        String from;
        if (k.secret() != null) {
            secret = k.secret();
            from = "";
        } else if (k.secretFile() != null) {
            Path file = base == null ? Path.of(k.secretFile()) : base.resolve(k.secretFile());
            secret = readSecretFile(at, setting, ofKey, file, warnings);
            from = ": the file " + file;
        } else {
            String name = k.secretEnv();
            if (!ENV_NAME.matcher(name).matches()) {
                throw new ConfigException(at + ": '" + setting + "'" + ofKey
                        + " must be the name of an environment variable (letters, digits, '_'), was '" + name + "'");
            }
            secret = env.get(name);
            if (secret == null || secret.isEmpty()) {
                throw new ConfigException(at + ": '" + setting + "'" + ofKey + ": the environment variable " + name
                        + (secret == null ? " is not set" : " is empty"));
            }
            secret = withoutTrailingNewlines(secret);
            from = ": the environment variable " + name;
        }
        if (secret.isEmpty() || secret.indexOf(':') >= 0 || secret.indexOf('\n') >= 0 || secret.indexOf('\r') >= 0) {
            throw new ConfigException(at + ": '" + setting + "'" + ofKey + from
                    + ": the secret must be one non-empty line without ':'");
        }
        return secret;
    }

    private static String readSecretFile(String at, String setting, String ofKey, Path file, Consumer<String> warnings)
            throws ConfigException {
        String prefix = at + ": '" + setting + "'" + ofKey + ": " + file;
        if (Files.isDirectory(file)) {
            throw new ConfigException(prefix + " is a directory");
        }
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(prefix + ": no such file");
        } catch (IOException e) { // unreadable (permissions), or not UTF-8: the reason only, never the bytes
            throw new ConfigException(prefix + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
                warnings.accept("'" + setting + "'" + ofKey + ": " + file + " may be read by its group or others (mode "
                        + PosixFilePermissions.toString(mode) + "); chmod 600 it");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // no POSIX permissions here (Windows): nothing to check
        }
        return withoutTrailingNewlines(content);
    }

    private static String withoutTrailingNewlines(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    /** {@code keys[].maxInboundRate}: the keys whose connections get their own inbound rate. */
    static Map<String, Integer> inboundRates(String fileName, String text, List<KeyShape> shapes) throws ConfigException {
        Map<String, Integer> rates = new HashMap<>();
        for (int i = 0; i < shapes.size(); i++) {
            KeyShape k = shapes.get(i);
            if (k.maxInboundRate() != null) {
                if (k.maxInboundRate() <= 0) {
                    throw new ConfigException(fileName + ConfigLoader.lineOfValue(text, k.name(), occurrences(shapes, i))
                            + ": 'keys[" + i + "].maxInboundRate' must be positive");
                }
                rates.put(k.name(), k.maxInboundRate());
            }
        }
        return rates;
    }

    /** How many keys before {@code index} have the same name as the one at {@code index}. */
    private static int occurrences(List<KeyShape> shapes, int index) {
        int n = 0;
        for (int j = 0; j < index; j++) {
            if (shapes.get(j) != null && shapes.get(index).name().equals(shapes.get(j).name())) {
                n++;
            }
        }
        return n;
    }
}
