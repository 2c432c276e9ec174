package dev.hubbub.transport.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Certificate chains and keys from PEM files: the formats servers are given, and a clear message for each way they go wrong. */
class PemFilesTest {
    private static final TestPki PKI = TestPki.create("pem-files-test");
    private static final TestPki.Issued EC = PKI.issue("ec.test", "EC");
    private static final TestPki.Issued RSA = PKI.issue("rsa.test", "RSA");

    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private TlsConfigException refused(Path cert, Path key) {
        return assertThrows(TlsConfigException.class, () -> PemFiles.load(cert, key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA"})
    void pkcs8KeyAndChainLoad(String algorithm) throws Exception {
        TestPki.Issued issued = algorithm.equals("EC") ? EC : RSA;
        Path[] files = issued.write(dir, "server");
        KeyMaterial m = PemFiles.load(files[0], files[1]);
        assertEquals(List.of(issued.certificate(), PKI.intermediate()), m.chain(), "the chain, server certificate first");
        assertEquals(algorithm, m.key().getAlgorithm());
        String described = m.describe();
        assertTrue(described.contains("CN=" + (algorithm.equals("EC") ? "ec.test" : "rsa.test")) && described.contains("expires "),
                described);
        assertFalse(described.contains(Base64.getEncoder().encodeToString(issued.key().getEncoded()).substring(0, 20)), described);
    }

    @ParameterizedTest
    @ValueSource(strings = {"EC", "RSA"})
    void traditionalOpenSslKeysLoad(String algorithm) throws Exception {
        TestPki.Issued issued = algorithm.equals("EC") ? EC : RSA;
        String pem = issued.traditionalKeyPem();
        assertTrue(pem.contains("BEGIN " + algorithm + " PRIVATE KEY"), pem.substring(0, 40)); // PKCS#1 / SEC1, not PKCS#8
        KeyMaterial m = PemFiles.load(file("chain.pem", issued.chainPem()), file("key.pem", pem));
        if (issued.key() instanceof java.security.interfaces.ECPrivateKey ec) {
            assertEquals(ec.getS(), ((java.security.interfaces.ECPrivateKey) m.key()).getS(), "the same key as its PKCS#8 form");
            assertEquals(ec.getParams().getCurve(), ((java.security.interfaces.ECPrivateKey) m.key()).getParams().getCurve());
        } else {
            assertEquals(issued.key(), m.key(), "the same key as its PKCS#8 form");
        }
    }

    @Test
    void anEcKeyThatDoesNotNameItsCurveGetsAWayOut() throws Exception {
        TlsConfigException e = refused(file("ec.crt", EC.chainPem()), file("sec1.key", EC.sec1KeyWithoutCurvePem()));
        assertTrue(e.getMessage().contains("does not name its curve") && e.getMessage().contains("openssl pkcs8 -topk8"),
                e.getMessage());
    }

    @Test
    void oneFileMayHoldKeyAndChain() throws Exception {
        Path both = file("both.pem", EC.keyPem() + "some text between\n" + EC.chainPem());
        assertEquals(2, PemFiles.load(both, both).chain().size());
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        Path[] files = EC.write(dir, "server");
        TlsConfigException cert = refused(dir.resolve("nope.crt"), files[1]);
        assertEquals("certFile", cert.setting());
        assertTrue(cert.getMessage().contains("nope.crt: no such file"), cert.getMessage());
        TlsConfigException key = refused(files[0], dir.resolve("nope.key"));
        assertEquals("keyFile", key.setting());
        assertTrue(key.getMessage().contains("nope.key: no such file"), key.getMessage());
        TlsConfigException directory = refused(dir, files[1]);
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
    }

    @Test
    void swappedFilesAreCalledSo() throws Exception {
        Path[] files = EC.write(dir, "server");
        TlsConfigException e = refused(files[1], files[0]);
        assertEquals("certFile", e.setting());
        assertTrue(e.getMessage().contains("no PEM certificate") && e.getMessage().contains("swapped"), e.getMessage());
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws Exception {
        TlsConfigException e = refused(file("ec.crt", EC.chainPem()), file("other.key", PKI.issue("other", "EC").keyPem()));
        assertEquals("keyFile", e.setting());
        assertTrue(e.getMessage().contains("does not belong to the certificate") && e.getMessage().contains("CN=ec.test"),
                e.getMessage());
        TlsConfigException rsaForEc = refused(file("ec2.crt", EC.chainPem()), file("rsa.key", RSA.keyPem()));
        assertTrue(rsaForEc.getMessage().contains("RSA key does not belong"), rsaForEc.getMessage());
    }

    @Test
    void theServerCertificateMustComeFirst() throws Exception {
        String reversed = TestPki.pem(List.of(PKI.intermediate(), EC.certificate()));
        TlsConfigException e = refused(file("reversed.crt", reversed), file("ec.key", EC.keyPem()));
        assertEquals("certFile", e.setting());
        assertTrue(e.getMessage().contains("must come first"), e.getMessage());
    }

    @Test
    void unreadableKeysAreRefusedWithoutQuotingThem() throws Exception {
        Path cert = file("ec.crt", EC.chainPem());
        String body = Base64.getMimeEncoder().encodeToString("not a key at all, but base64 nonetheless".getBytes());
        TlsConfigException corrupt = refused(cert, file("corrupt.key", "-----BEGIN PRIVATE KEY-----\n" + body
                + "\n-----END PRIVATE KEY-----\n"));
        assertTrue(corrupt.getMessage().contains("could not be read"), corrupt.getMessage());
        assertFalse(corrupt.getMessage().contains(body.substring(0, 12)), corrupt.getMessage());

        TlsConfigException encrypted = refused(cert, file("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
                + "-----END ENCRYPTED PRIVATE KEY-----\n"));
        assertTrue(encrypted.getMessage().contains("encrypted"), encrypted.getMessage());

        TlsConfigException none = refused(cert, file("empty.key", "hello\n"));
        assertTrue(none.getMessage().contains("no PEM private key"), none.getMessage());

        TlsConfigException badCert = refused(file("bad.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                file("ec.key", EC.keyPem()));
        assertTrue(badCert.getMessage().contains("certificate #1 is not a valid X.509 certificate"), badCert.getMessage());
    }
}
