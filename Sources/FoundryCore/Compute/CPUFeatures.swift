import CPlatform

/// What the processor can do: its identity from CPUID and the vector instruction sets it has *and* the operating
/// system enables (AVX needs the OS to save the YMM state, AVX-512 the ZMM and mask state, AMX the tile state).
///
/// Foundry reads it once (``current``) to choose the BLAS kernels for the machine (``BLASCoreChoice``) and reports it
/// in `foundry doctor` and in every benchmark's JSON. On a processor that is not x86-64 every field is empty.
public struct CPUFeatures: Sendable, Equatable, Codable {
    /// An instruction-set extension, named as Linux's `/proc/cpuinfo` names it.
    public enum Flag: String, Sendable, Codable, CaseIterable, Comparable {
        /// SSE3.
        case sse3
        /// Supplemental SSE3.
        case ssse3
        /// SSE4.1.
        case sse41 = "sse4_1"
        /// SSE4.2.
        case sse42 = "sse4_2"
        /// AVX (256-bit floating point).
        case avx
        /// Half-precision conversions.
        case f16c
        /// Fused multiply-add (FMA3).
        case fma
        /// AVX2 (256-bit integer).
        case avx2
        /// AVX-512 foundation.
        case avx512f
        /// AVX-512 conflict detection.
        case avx512cd
        /// AVX-512 byte and word.
        case avx512bw
        /// AVX-512 doubleword and quadword.
        case avx512dq
        /// AVX-512 vector length (128/256-bit forms).
        case avx512vl
        /// AVX-512 vector neural network instructions.
        case avx512vnni = "avx512_vnni"
        /// AVX-512 bfloat16.
        case avx512bf16 = "avx512_bf16"
        /// AVX-512 half precision.
        case avx512fp16 = "avx512_fp16"
        /// AVX (VEX-encoded) vector neural network instructions.
        case avxvnni = "avx_vnni"
        /// Advanced Matrix Extensions: tiles.
        case amxTile = "amx_tile"
        /// AMX bfloat16 products.
        case amxBF16 = "amx_bf16"
        /// AMX int8 products.
        case amxInt8 = "amx_int8"

        /// Orders flags as declared (roughly by age), for stable output.
        public static func < (lhs: Flag, rhs: Flag) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// The vendor string (`GenuineIntel`, `AuthenticAMD`); empty when not x86.
    public var vendor: String
    /// The brand string (`Intel(R) Xeon(R) Processor`); empty when the CPU has none.
    public var brand: String
    /// The display family (base family plus extended family when the base is 15).
    public var family: Int
    /// The display model (with the extended model for families 6 and 15).
    public var model: Int
    /// The stepping.
    public var stepping: Int
    /// The extensions present and enabled by the operating system, in declaration order.
    public var flags: [Flag]

    /// Creates a description (for tests and for machines described elsewhere).
    public init(vendor: String, brand: String, family: Int, model: Int, stepping: Int, flags: [Flag]) {
        self.vendor = vendor
        self.brand = brand
        self.family = family
        self.model = model
        self.stepping = stepping
        self.flags = Array(Set(flags)).sorted()
    }

    /// Whether the processor has `flag` and the operating system enables it.
    public func has(_ flag: Flag) -> Bool { flags.contains(flag) }

    /// Whether it has every one of `flags`.
    public func has(all flags: [Flag]) -> Bool { flags.allSatisfy(has) }

    /// The processor this process runs on, read once.
    public static let current: CPUFeatures = detect()

    /// Reads CPUID and XCR0.
    private static func detect() -> CPUFeatures {
        func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
            var registers: [UInt32] = [0, 0, 0, 0]
            _ = registers.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.map { foundry_cpuid(leaf, subleaf, $0) } ?? 0
            }
            return (registers[0], registers[1], registers[2], registers[3])
        }
        func text(_ words: [UInt32]) -> String {
            let bytes = words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingSpaces()
        }
        let basic = cpuid(0)
        guard basic.eax > 0 else {
            return CPUFeatures(vendor: "", brand: "", family: 0, model: 0, stepping: 0, flags: [])
        }
        let vendor = text([basic.ebx, basic.edx, basic.ecx])
        let leaf1 = cpuid(1)
        let baseFamily = Int((leaf1.eax >> 8) & 0xF), baseModel = Int((leaf1.eax >> 4) & 0xF)
        let family = baseFamily == 0xF ? baseFamily + Int((leaf1.eax >> 20) & 0xFF) : baseFamily
        let model =
            baseFamily == 0x6 || baseFamily == 0xF ? (Int((leaf1.eax >> 16) & 0xF) << 4) + baseModel : baseModel
        let extended = cpuid(0x8000_0000).eax
        let brand =
            extended >= 0x8000_0004
            ? text(
                (0x8000_0002...0x8000_0004).flatMap { leaf -> [UInt32] in
                    let r = cpuid(UInt32(leaf))
                    return [r.eax, r.ebx, r.ecx, r.edx]
                }) : ""
        let xcr0 = foundry_xcr0()
        let osAVX = xcr0 & 0x6 == 0x6
        let osAVX512 = osAVX && xcr0 & 0xE0 == 0xE0
        let osAMX = xcr0 & 0x6_0000 == 0x6_0000
        func bit(_ register: UInt32, _ index: UInt32) -> Bool { register & (1 << index) != 0 }
        var flags: [Flag] = []
        let leaf1Flags: [(UInt32, Flag, Bool)] = [
            (0, .sse3, true), (9, .ssse3, true), (19, .sse41, true), (20, .sse42, true), (28, .avx, osAVX),
            (29, .f16c, osAVX), (12, .fma, osAVX),
        ]
        for (index, flag, enabled) in leaf1Flags where enabled && bit(leaf1.ecx, index) { flags.append(flag) }
        if basic.eax >= 7 {
            let leaf7 = cpuid(7)
            let ebxFlags: [(UInt32, Flag, Bool)] = [
                (5, .avx2, osAVX), (16, .avx512f, osAVX512), (28, .avx512cd, osAVX512), (30, .avx512bw, osAVX512),
                (17, .avx512dq, osAVX512), (31, .avx512vl, osAVX512),
            ]
            for (index, flag, enabled) in ebxFlags where enabled && bit(leaf7.ebx, index) { flags.append(flag) }
            if osAVX512 && bit(leaf7.ecx, 11) { flags.append(.avx512vnni) }
            if osAVX512 && bit(leaf7.edx, 23) { flags.append(.avx512fp16) }
            let amx: [(UInt32, Flag)] = [(24, .amxTile), (22, .amxBF16), (25, .amxInt8)]
            for (index, flag) in amx where osAMX && bit(leaf7.edx, index) { flags.append(flag) }
            if leaf7.eax >= 1 {
                let leaf71 = cpuid(7, 1)
                if osAVX && bit(leaf71.eax, 4) { flags.append(.avxvnni) }
                if osAVX512 && bit(leaf71.eax, 5) { flags.append(.avx512bf16) }
            }
        }
        return CPUFeatures(
            vendor: vendor, brand: brand, family: family, model: model, stepping: Int(leaf1.eax & 0xF), flags: flags)
    }
}

extension String {
    /// The string without leading and trailing spaces (CPUID brand strings are padded).
    fileprivate func trimmingSpaces() -> String {
        var characters = Substring(self)
        while characters.first == " " { characters.removeFirst() }
        while characters.last == " " { characters.removeLast() }
        return String(characters)
    }
}
