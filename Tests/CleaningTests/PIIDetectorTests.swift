import Testing
@testable import Cleaning

struct PIIDetectorTests {
    private func kinds(_ text: String) -> [PIIKind] { PIIDetector().matches(in: text).map(\.kind) }

    @Test func findsEachKind() {
        #expect(kinds("write to jane.doe+x@mail.example.org today") == [.email])
        #expect(kinds("call +44 (0)20 7946 0958 now") == [.phone])
        #expect(kinds("card 4111 1111 1111 1111 ok") == [.creditCard])
        #expect(kinds("server 192.168.0.1 down") == [.ipv4])
        #expect(kinds("host 2001:db8::8a2e:370:7334 up") == [.ipv6])
        #expect(kinds("full fe80:0:0:0:202:b3ff:fe1e:8329") == [.ipv6])
    }

    @Test func rejectsLookalikes() {
        #expect(kinds("card 4111 1111 1111 1112 fails Luhn").allSatisfy { $0 != .creditCard })
        #expect(kinds("version 999.1.1.1 and 1.2.3.4.5") == [])
        #expect(kinds("meet at 10:30:00 or 12:45") == [])
        #expect(kinds("an @ sign and user@localhost") == [])
        #expect(kinds("only 123-4567") == [])
    }

    @Test func luhnChecksum() {
        #expect(PIIScanners.luhn([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]))
        #expect(!PIIScanners.luhn([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]))
    }

    @Test func masksAndRedacts() {
        let text = "mail a.b@c.io or call 0800 123 4567"
        let detector = PIIDetector(kinds: [.email, .phone])
        #expect(detector.redact(text, using: .redact) == "mail [EMAIL] or call [PHONE]")
        #expect(detector.redact(text, using: .mask) == "mail *.*@*.** or call **** *** ****")
        #expect(detector.redact("nothing here", using: .redact) == "nothing here")
        #expect(detector.containsAny(in: text) && !detector.containsAny(in: "hello"))
    }

    @Test func matchesThePeerRegexesOnTheirOwnTerms() {
        // The peer's phone regex `\+?\d[\d\s().-]{8,}\d` needs ≥ 10 characters from digit to digit.
        #expect(kinds("1.2.3.4.5.6") == [.phone])
        #expect(kinds("12345 678") == [])
        #expect(PIIDetector(kinds: [.email]).containsAny(in: "x@y.z"))
    }
}
