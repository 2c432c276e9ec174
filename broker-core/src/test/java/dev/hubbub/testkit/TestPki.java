package dev.hubbub.testkit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throwaway certificate authority made at test time (BouncyCastle, the JDK's own crypto
 * provider): a root, an intermediate it signed, and server certificates the intermediate issues
 * for {@code 127.0.0.1} and {@code localhost}. Clients trust the root only, so a server must send
 * its chain. Nothing is stored anywhere but where a test writes it.
 */
public final class TestPki {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private final KeyPair rootKeys;
    private final X509Certificate root;
    private final KeyPair intermediateKeys;
    private final X509Certificate intermediate;

    private TestPki(String name) {
        try {
            Instant now = Instant.now();
            rootKeys = keyPair("EC");
            root = sign(new X500Name("CN=" + name + " root CA"), rootKeys, null, rootKeys, now, Duration.ofDays(30), Role.ROOT);
            intermediateKeys = keyPair("EC");
            intermediate = sign(new X500Name("CN=" + name + " intermediate CA"), intermediateKeys, root, rootKeys, now,
                    Duration.ofDays(30), Role.INTERMEDIATE);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new IllegalStateException("cannot make the test CA", e);
        }
    }

    /** A new root and intermediate, named after {@code name}. */
    public static TestPki create(String name) { return new TestPki(name); }

    public X509Certificate root() { return root; }

    public X509Certificate intermediate() { return intermediate; }

    /** The root certificate in PEM, what a client is told to trust. */
    public String rootPem() { return pem(root); }

    /** Writes {@link #rootPem()} to {@code file} and returns it. */
    public Path writeRoot(Path file) { return writeText(file, rootPem()); }

    /** A PKCS#12 trust store (password {@code changeit}) holding the root. */
    public KeyStore trustStore() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("hubbub-test-root", root);
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #trustStore()} written to {@code file}. */
    public Path writeTrustStore(Path file) {
        try (var out = Files.newOutputStream(file)) {
            trustStore().store(out, "changeit".toCharArray());
            return file;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client TLS context that trusts this root and nothing else. */
    public SSLContext clientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate for 127.0.0.1 and localhost, {@code keyAlgorithm} "EC" (P-256) or "RSA" (2048), valid 30 days. */
    public Issued issue(String commonName, String keyAlgorithm) {
        return issue(commonName, keyAlgorithm, Instant.now().minusSeconds(60), Duration.ofDays(30));
    }

    /** As {@link #issue(String, String)}, valid from {@code notBefore} for {@code validity}. */
    public Issued issue(String commonName, String keyAlgorithm, Instant notBefore, Duration validity) {
        try {
            KeyPair keys = keyPair(keyAlgorithm);
            X509Certificate cert = sign(new X500Name("CN=" + commonName), keys, intermediate, intermediateKeys, notBefore,
                    validity, Role.SERVER);
            return new Issued(cert, List.of(cert, intermediate), keys.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate, its chain as a server sends it (itself, then the intermediate) and its private key. */
    public record Issued(X509Certificate certificate, List<X509Certificate> chain, PrivateKey key) {
        /** The chain in PEM, server certificate first. */
        public String chainPem() {
            StringBuilder b = new StringBuilder();
            chain.forEach(c -> b.append(pem(c)));
            return b.toString();
        }

        /** The key as PKCS#8 ({@code BEGIN PRIVATE KEY}). */
        public String keyPem() {
            try {
                return pemObject(new JcaPKCS8Generator(key, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The key in OpenSSL's traditional format: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1
         * ({@code BEGIN EC PRIVATE KEY}, naming its curve as {@code openssl ecparam -genkey} writes it).
         */
        public String traditionalKeyPem() {
            if (!key.getAlgorithm().equals("EC")) {
                return pemObject(key);
            }
            try {
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
                org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
                return pemObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** SEC1 as some tools write it: without the curve, which then only the PKCS#8 wrapper would name. */
        public String sec1KeyWithoutCurvePem() { return pemObject(key); }

        /** Writes the chain to {@code dir/name.crt} and the PKCS#8 key to {@code dir/name.key}; returns {cert, key}. */
        public Path[] write(Path dir, String name) {
            return new Path[] {writeText(dir.resolve(name + ".crt"), chainPem()), writeText(dir.resolve(name + ".key"), keyPem())};
        }

        /** Replaces {@code certFile} and {@code keyFile} as a deploy tool would: each written aside, then moved over the old one. */
        public void replace(Path certFile, Path keyFile) {
            replaceFile(certFile, chainPem());
            replaceFile(keyFile, keyPem());
        }
    }

    private enum Role { ROOT, INTERMEDIATE, SERVER }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKeys, X509Certificate issuer, KeyPair issuerKeys,
                                        Instant notBefore, Duration validity, Role role)
            throws GeneralSecurityException, IOException {
        X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, subjectKeys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKeys.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, issuer == null
                ? ext.createAuthorityKeyIdentifier(subjectKeys.getPublic()) : ext.createAuthorityKeyIdentifier(issuer));
        switch (role) {
            case ROOT -> {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            }
            case INTERMEDIATE -> {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            }
            case SERVER -> {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                boolean rsa = subjectKeys.getPublic().getAlgorithm().equals("RSA");
                b.addExtension(Extension.keyUsage, true,
                        new KeyUsage(rsa ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
            }
        }
        String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair keyPair(String algorithm) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(algorithm.equals("RSA") ? 2048 : 256);
        return g.generateKeyPair();
    }

    static String pem(X509Certificate cert) { return pemObject(cert); }

    private static String pemObject(Object o) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    private static Path writeText(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void replaceFile(Path file, String text) {
        try {
            Path aside = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".new");
            Files.writeString(aside, text);
            Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every certificate in {@code chain} in PEM. */
    public static String pem(List<X509Certificate> chain) {
        List<String> parts = new ArrayList<>();
        chain.forEach(c -> parts.add(pem(c)));
        return String.join("", parts);
    }
}
