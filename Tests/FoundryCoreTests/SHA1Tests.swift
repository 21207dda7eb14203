import FoundryCore
import Testing

@Suite("SHA-1")
struct SHA1Tests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("FIPS 180-4 test vectors")
    func vectors() {
        #expect(hex(SHA1.digest([UInt8]())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(SHA1.digest(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            hex(SHA1.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // One million 'a' — crosses many blocks.
        #expect(
            hex(SHA1.digest([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test("digest modulo matches Python's int(hexdigest, 16) % m")
    func modulo() {
        // Values from Python: int(hashlib.sha1(str(i).encode()).hexdigest(), 16) % m
        #expect(SHA1.digestModulo(Array("0".utf8), 2) == 0)
        #expect(SHA1.digestModulo(Array("1".utf8), 2) == 1)
        #expect(SHA1.digestModulo(Array("17".utf8), 3) == 2)
        #expect(SHA1.digestModulo(Array("249".utf8), 6) == 5)
        #expect(SHA1.digestModulo(Array("123456".utf8), 1000) == 819)
    }
}
