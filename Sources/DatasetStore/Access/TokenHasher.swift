import Crypto
import Foundation

/// Makes and checks API tokens. A token is `fdy_<lookup>_<secret>`: 8 random bytes (hex) that
/// find the stored row, and 32 random bytes (hex) of secret. Only `HMAC-SHA256(key: salt, secret)`
/// with a random 16-byte salt per token is stored; checks compare in constant time.
enum TokenHasher {
    static let prefix = "fdy_"

    struct Minted {
        let token: String
        let lookup: String
        let salt: [UInt8]
        let digest: [UInt8]
    }

    struct Parsed {
        let lookup: String
        let secret: [UInt8]
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        // SystemRandomNumberGenerator draws from the OS CSPRNG (getrandom / arc4random).
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func mint() -> Minted {
        let lookup = CanonicalEncoding.hex(randomBytes(8))
        let secret = randomBytes(32)
        let salt = randomBytes(16)
        return Minted(
            token: prefix + lookup + "_" + CanonicalEncoding.hex(secret), lookup: lookup, salt: salt,
            digest: digest(secret: secret, salt: salt))
    }

    static func digest(secret: [UInt8], salt: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: secret, using: SymmetricKey(data: salt)))
    }

    /// Splits a token into lookup and secret, or nil when it is not in the `fdy_<16 hex>_<64 hex>` form.
    static func parse(_ token: String) -> Parsed? {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(prefix) else { return nil }
        let parts = trimmed.dropFirst(prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 16, parts[1].count == 64,
            let secret = bytes(fromHex: parts[1]), bytes(fromHex: parts[0]) != nil
        else { return nil }
        return Parsed(lookup: String(parts[0]), secret: secret)
    }

    /// Constant-time check of a secret against the stored salted digest.
    static func matches(secret: [UInt8], salt: [UInt8], digest: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: secret, using: SymmetricKey(data: salt))
    }

    static func bytes(fromHex text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
