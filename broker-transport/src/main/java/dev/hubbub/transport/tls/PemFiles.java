package dev.hubbub.transport.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a server certificate chain and its private key from PEM files, as web servers take them:
 * {@code certFile} holds the server's certificate first, then any intermediates; {@code keyFile}
 * holds its key, unencrypted, as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA
 * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}). Both may be the same
 * file. Checks that the key belongs to the first certificate. Messages never quote key material.
 */
public final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

    private PemFiles() {}

    public static KeyMaterial load(Path certFile, Path keyFile) throws TlsConfigException {
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            for (int i = 1; i < chain.size(); i++) {
                if (matches(key, chain.get(i).getPublicKey())) {
                    throw new TlsConfigException("certFile", certFile + ": the key in " + keyFile + " belongs to certificate #"
                            + (i + 1) + " ('" + chain.get(i).getSubjectX500Principal().getName()
                            + "'); the server's own certificate must come first, then its intermediates");
                }
            }
            throw new TlsConfigException("keyFile", keyFile + ": this " + key.getAlgorithm() + " key does not belong to the certificate in "
                    + certFile + " ('" + leaf.getSubjectX500Principal().getName() + "', " + leaf.getPublicKey().getAlgorithm()
                    + " key): a key and certificate that do not match");
        }
        return new KeyMaterial(chain, key);
    }

    static List<X509Certificate> certificates(Path file) throws TlsConfigException {
        String text = read("certFile", file);
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
        Matcher m = BLOCK.matcher(text);
        boolean sawKey = false;
        while (m.find()) {
            if (m.group(1).endsWith("PRIVATE KEY")) {
                sawKey = true;
                continue;
            }
            if (!m.group(1).equals("CERTIFICATE")) {
                continue;
            }
            byte[] der = base64("certFile", file, m.group(2), "certificate #" + (chain.size() + 1));
            try {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException e) {
                throw new TlsConfigException("certFile", file + ": certificate #" + (chain.size() + 1)
                        + " is not a valid X.509 certificate (" + e.getMessage() + ")");
            }
        }
        if (chain.isEmpty()) {
            throw new TlsConfigException("certFile", file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in the file"
                    + (sawKey ? "; it holds a private key: are certFile and keyFile swapped?" : ""));
        }
        return chain;
    }

    static PrivateKey privateKey(Path file) throws TlsConfigException {
        String text = read("keyFile", file);
        Matcher m = BLOCK.matcher(text);
        boolean sawCertificate = false;
        while (m.find()) {
            String label = m.group(1);
            String body = m.group(2);
            switch (label) {
                case "PRIVATE KEY" -> {
                    return pkcs8(file, base64("keyFile", file, body, "the private key"), "PKCS#8");
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                    if (body.contains("ENCRYPTED")) {
                        throw encrypted(file);
                    }
                    byte[] der = base64("keyFile", file, body, "the private key");
                    return label.startsWith("RSA") ? pkcs8(file, Der.rsaToPkcs8(der), "PKCS#1 RSA")
                            : pkcs8(file, Der.ecToPkcs8(file, der), "SEC1 EC");
                }
                case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
                case "CERTIFICATE" -> sawCertificate = true;
                default -> { }
            }
        }
        throw new TlsConfigException("keyFile", file + ": no PEM private key (-----BEGIN PRIVATE KEY-----, PKCS#8; or RSA/EC PRIVATE KEY) in the file"
                + (sawCertificate ? "; it holds certificates: are certFile and keyFile swapped?" : ""));
    }

    private static TlsConfigException encrypted(Path file) {
        return new TlsConfigException("keyFile", file + ": the private key is encrypted; give it unencrypted"
                + " (openssl pkey -in ENCRYPTED.pem -out KEY.pem) and protect the file's permissions instead");
    }

    private static PrivateKey pkcs8(Path file, byte[] der, String format) throws TlsConfigException {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException notThisOne) {
                // next algorithm; the exception may describe the key's content, so it is not reported
            }
        }
        throw new TlsConfigException("keyFile", file + ": the " + format + " private key could not be read (corrupt, or an algorithm"
                + " other than RSA, EC, Ed25519, Ed448 or DSA)");
    }

    /** Whether {@code key} is the private half of {@code publicKey}: by modulus for RSA, else by signing and verifying. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof RSAKey rsa) {
            return publicKey instanceof RSAKey pub && rsa.getModulus().equals(pub.getModulus());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // cannot tell here; the TLS library checks again
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // e.g. an EC key against an RSA certificate, or keys on different curves
        }
    }

    private static String read(String setting, Path file) throws TlsConfigException {
        try {
            if (Files.isDirectory(file)) {
                throw new TlsConfigException(setting, file + ": is a directory, not a PEM file");
            }
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new TlsConfigException(setting, file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new TlsConfigException(setting, file + ": not readable by this process (permission denied)");
        } catch (IOException e) {
            throw new TlsConfigException(setting, file + ": cannot read the file (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static byte[] base64(String setting, Path file, String body, String what) throws TlsConfigException {
        if (body.contains(":")) { // RFC 1421 headers (Proc-Type, DEK-Info) end at the first blank line
            int blank = body.indexOf("\n\n");
            body = blank < 0 ? body : body.substring(blank + 2);
        }
        try {
            return Base64.getMimeDecoder().decode(body.trim());
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException(setting, file + ": " + what + " is not valid base64 PEM");
        }
    }

    /** Just enough DER to wrap the traditional OpenSSL key formats into PKCS#8. */
    static final class Der {
        private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
        private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");
        private static final byte[] VERSION_0 = hex("020100");

        /** PKCS#1 RSAPrivateKey into PrivateKeyInfo with rsaEncryption. */
        static byte[] rsaToPkcs8(byte[] pkcs1) {
            return tlv(0x30, concat(VERSION_0, RSA_ALGORITHM, tlv(0x04, pkcs1)));
        }

        /** SEC1 ECPrivateKey (its curve in the [0] parameters) into PrivateKeyInfo with id-ecPublicKey and that curve. */
        static byte[] ecToPkcs8(Path file, byte[] sec1) throws TlsConfigException {
            byte[] curve = null;
            try {
                int[] outer = header(sec1, 0);
                if ((sec1[0] & 0xff) != 0x30) {
                    throw new IllegalArgumentException("not a sequence");
                }
                int at = outer[0];
                int end = at + outer[1];
                while (at < end) {
                    int tag = sec1[at] & 0xff;
                    int[] h = header(sec1, at);
                    if (tag == 0xa0) {
                        curve = java.util.Arrays.copyOfRange(sec1, h[0], h[0] + h[1]);
                        break;
                    }
                    at = h[0] + h[1];
                }
            } catch (RuntimeException e) {
                throw new TlsConfigException("keyFile", file + ": the EC private key could not be read (corrupt)");
            }
            if (curve == null) {
                throw new TlsConfigException("keyFile", file + ": the EC private key does not name its curve; convert it to PKCS#8"
                        + " (openssl pkcs8 -topk8 -nocrypt -in KEY.pem -out KEY.pk8.pem)");
            }
            return tlv(0x30, concat(VERSION_0, tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, sec1)));
        }

        /** {content start, content length} of the element whose tag is at {@code at}. */
        static int[] header(byte[] der, int at) {
            int first = der[at + 1] & 0xff;
            if (first < 0x80) {
                return new int[] {at + 2, first};
            }
            int n = first & 0x7f;
            if (n == 0 || n > 3) {
                throw new IllegalArgumentException("unsupported length");
            }
            int length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (der[at + 2 + i] & 0xff);
            }
            if (at + 2 + n + length > der.length) {
                throw new IllegalArgumentException("truncated");
            }
            return new int[] {at + 2 + n, length};
        }

        static byte[] tlv(int tag, byte[] content) {
            int n = content.length;
            byte[] length = n < 0x80 ? new byte[] {(byte) n}
                    : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                    : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                    : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
            return concat(new byte[] {(byte) tag}, length, content);
        }

        static byte[] concat(byte[]... parts) {
            int n = 0;
            for (byte[] p : parts) {
                n += p.length;
            }
            byte[] out = new byte[n];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }

        static byte[] hex(String s) {
            byte[] b = new BigInteger("01" + s, 16).toByteArray();
            return java.util.Arrays.copyOfRange(b, 1, b.length);
        }
    }
}
