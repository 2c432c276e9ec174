package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keys[].secret, secretFile and secretEnv: exactly one per key; no message ever shows a secret. */
class KeySecretsConfigTest {
    private static final String SECRET = "s3cret-VALUE-42";

    @TempDir
    Path dir;
    private final List<String> warnings = new ArrayList<>();

    private static String key(String secretSettings) {
        return "keys:\n  - name: \"app.key1\"\n" + secretSettings;
    }

    private BrokerConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = Files.writeString(dir.resolve("broker.yaml"), yaml);
        return ConfigLoader.load(file, env, warnings::add);
    }

    private ConfigException failure(String yaml, Map<String, String> env) throws Exception {
        Path file = Files.writeString(dir.resolve("broker.yaml"), yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, env, warnings::add));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e;
    }

    private static void assertMentions(ConfigException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
    }

    private Path secretFile(String name, String content, String mode) throws Exception {
        Path file = Files.writeString(dir.resolve(name), content);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        }
        return file;
    }

    @Test
    void aSecretFileIsReadRelativeToTheConfigFileWithoutItsTrailingNewline() throws Exception {
        Files.createDirectories(dir.resolve("secrets"));
        secretFile("secrets/key1", SECRET + "\n", "rw-------");
        BrokerConfig config = load(key("    secretFile: secrets/key1\n"), Map.of());
        assertTrue(config.keys().get(0).secretMatches(SECRET));
        assertEquals(List.of(), warnings, "a file only its owner reads: nothing to warn about");
    }

    @Test
    void anAbsoluteSecretFileAndCrLfWork() throws Exception {
        Path file = secretFile("key1.txt", SECRET + "\r\n", "r--------");
        assertTrue(load(key("    secretFile: " + file + "\n"), Map.of()).keys().get(0).secretMatches(SECRET));
    }

    // Rule: a secret file its group or others may read works, with a warning naming the key and file (not the secret).
    @Test
    void aSecretFileOthersMayReadIsWarnedAbout() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
        Path file = secretFile("key1", SECRET, "rw-r--r--");
        assertTrue(load(key("    secretFile: key1\n"), Map.of()).keys().get(0).secretMatches(SECRET));
        assertEquals(1, warnings.size(), warnings::toString);
        String warning = warnings.get(0);
        assertTrue(warning.contains("keys[0].secretFile") && warning.contains("app.key1") && warning.contains(file.toString())
                && warning.contains("rw-r--r--"), warning);
        assertFalse(warning.contains(SECRET), warning);
    }

    @Test
    void aMissingEmptyOrMultiLineSecretFileStopsStartup() throws Exception {
        assertMentions(failure(key("    secretFile: nope\n"), Map.of()), "broker.yaml:2", "'keys[0].secretFile'", "app.key1",
                dir.resolve("nope") + ": no such file");
        secretFile("empty", "\n", "rw-------");
        assertMentions(failure(key("    secretFile: empty\n"), Map.of()), "'keys[0].secretFile'", "one non-empty line");
        secretFile("two", SECRET + "\nsecond-line\n", "rw-------");
        assertMentions(failure(key("    secretFile: two\n"), Map.of()), "'keys[0].secretFile'", "one non-empty line");
        secretFile("colon", "name:" + SECRET + "\n", "rw-------");
        assertMentions(failure(key("    secretFile: colon\n"), Map.of()), "'keys[0].secretFile'", "without ':'");
        Files.createDirectories(dir.resolve("adir"));
        assertMentions(failure(key("    secretFile: adir\n"), Map.of()), "'keys[0].secretFile'", "is a directory");
    }

    // Rule: a secret file that cannot be read stops startup, naming the file and the reason, never the bytes.
    // (Bytes that are not UTF-8 take the same path as a permission error; the tests run as root, who reads any file.)
    @Test
    void anUnreadableSecretFileStopsStartup() throws Exception {
        Path file = dir.resolve("binary");
        Files.write(file, (SECRET + "\u00ff").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)); // 0xff: not UTF-8
        ConfigException e = failure(key("    secretFile: binary\n"), Map.of());
        assertMentions(e, "'keys[0].secretFile'", file.toString(), "cannot be read");
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void aSecretFromTheEnvironment() throws Exception {
        BrokerConfig config = load(key("    secretEnv: HUBBUB_KEY1\n"), Map.of("HUBBUB_KEY1", SECRET));
        assertTrue(config.keys().get(0).secretMatches(SECRET));
    }

    @Test
    void anEnvironmentVariableThatIsMissingEmptyOrBadStopsStartup() throws Exception {
        assertMentions(failure(key("    secretEnv: HUBBUB_KEY1\n"), Map.of()), "broker.yaml:2", "'keys[0].secretEnv'", "app.key1",
                "HUBBUB_KEY1 is not set");
        assertMentions(failure(key("    secretEnv: HUBBUB_KEY1\n"), Map.of("HUBBUB_KEY1", "")), "HUBBUB_KEY1 is empty");
        assertMentions(failure(key("    secretEnv: HUBBUB_KEY1\n"), Map.of("HUBBUB_KEY1", "x:" + SECRET)),
                "'keys[0].secretEnv'", "HUBBUB_KEY1", "without ':'");
        assertMentions(failure(key("    secretEnv: \"$HUBBUB_KEY1\"\n"), Map.of()), "'keys[0].secretEnv'",
                "must be the name of an environment variable");
    }

    // Rule: exactly one of secret, secretFile, secretEnv per key.
    @Test
    void exactlyOneSourcePerKey() throws Exception {
        assertMentions(failure(key(""), Map.of()), "'keys[0].secret' is required", "app.key1",
                "exactly one of secret, secretFile or secretEnv");
        assertMentions(failure(key("    secret: \"" + SECRET + "\"\n    secretEnv: HUBBUB_KEY1\n"), Map.of("HUBBUB_KEY1", SECRET)),
                "'keys[0].secretEnv'", "app.key1", "not secret and secretEnv");
        secretFile("key1", SECRET, "rw-------");
        assertMentions(failure(key("    secretFile: key1\n    secretEnv: HUBBUB_KEY1\n"), Map.of("HUBBUB_KEY1", SECRET)),
                "not secretFile and secretEnv");
    }

    @Test
    void theSecondKeysErrorsNameTheSecondKey() throws Exception {
        String yaml = "keys:\n  - name: \"app.key1\"\n    secret: \"a\"\n  - name: \"app.key2\"\n    secretEnv: KEY2\n";
        assertMentions(failure(yaml, Map.of()), "broker.yaml:4", "'keys[1].secretEnv'", "app.key2", "KEY2 is not set");
    }

    @Test
    void aRedisPasswordIsNeverShownInAnError() throws Exception {
        ConfigException e = failure(key("    secret: a\n") + "cluster:\n  redis: [\"redis://:" + SECRET + "@\"]\n", Map.of());
        assertMentions(e, "'cluster.redis'", "redis://***@");
    }
}
