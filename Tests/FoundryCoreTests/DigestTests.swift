import Foundation
import FoundryCore
import Testing

@Suite("Digests")
struct DigestTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("FIPS 180-4 test vectors")
    func vectors() {
        #expect(hex(Digest.sha1([UInt8]())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(Digest.sha1(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            hex(Digest.sha1(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // One million 'a' — crosses many blocks.
        #expect(
            hex(Digest.sha1([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("SHA-256 test vectors, of bytes and of a file")
    func sha256() throws {
        #expect(Digest.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Digest.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(repeating: 0x61, count: 1_000_000).write(to: url)
        #expect(try Digest.sha256Hex(ofFile: url) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(throws: FoundryCoreError.self) { try Digest.sha256Hex(ofFile: url.appendingPathExtension("missing")) }
    }

    @Test("StableHash output never changes (decision files depend on it)")
    func stableHash() {
        var hash = StableHash()
        hash.combine("abc")
        hash.combine(nil)
        hash.combine(length: 3)
        // Two FNV-1a lanes over the bytes 03 00×7 'a' 'b' 'c' 00 03 00×7, computed independently in Python.
        #expect(hash.hex == "a450ddeab7cb35150b133d6506867392")
    }

    @Test("digest modulo matches Python's int(hexdigest, 16) % m")
    func modulo() {
        // Values from Python: int(hashlib.sha1(str(i).encode()).hexdigest(), 16) % m
        #expect(Digest.sha1Modulo(Array("0".utf8), 2) == 0)
        #expect(Digest.sha1Modulo(Array("1".utf8), 2) == 1)
        #expect(Digest.sha1Modulo(Array("17".utf8), 3) == 2)
        #expect(Digest.sha1Modulo(Array("249".utf8), 6) == 5)
        #expect(Digest.sha1Modulo(Array("123456".utf8), 1000) == 819)
    }
}
