/// Selects the entries of a tensor by magnitude, as `torch.topk` / `torch.argsort` select them, in O(n).
///
/// The k-th magnitude is found by quickselect on a copy of the magnitudes; entries strictly beyond it are taken,
/// and entries equal to it are taken in index order until the count is reached. (PyTorch's CPU sorts are not stable,
/// so at an exact tie on the selection boundary PyTorch may pick other indices; the reference data has no such tie
/// except the two cases its README lists.)
public enum MagnitudeSelection {
    /// A mask of the `count` entries with the largest `|value|`.
    ///
    /// The threshold is found by a three-pass radix selection on the magnitudes' bit patterns (non-negative IEEE
    /// floats order as their bits do), so the cost is a few linear passes whatever the values.
    /// - Complexity: O(n).
    public static func largest(_ values: [Float], count: Int) -> [Bool] {
        let n = values.count
        if count <= 0 { return [Bool](repeating: false, count: n) }
        if count >= n { return [Bool](repeating: true, count: n) }
        var mask = [Bool](repeating: false, count: n)
        values.withUnsafeBufferPointer { v in
            var prefix: UInt32 = 0
            var prefixMask: UInt32 = 0
            var remaining = count
            for (shift, width) in [(UInt32(20), 11), (10, 10), (0, 10)] {
                var histogram = [Int](repeating: 0, count: 1 << width)
                let digitMask = UInt32((1 << width) - 1)
                histogram.withUnsafeMutableBufferPointer { h in
                    for i in 0..<n {
                        let bits = v[i].bitPattern & 0x7FFF_FFFF
                        if bits & prefixMask == prefix { h[Int((bits >> shift) & digitMask)] += 1 }
                    }
                }
                var digit = (1 << width) - 1
                while histogram[digit] < remaining {
                    remaining -= histogram[digit]
                    digit -= 1
                }
                prefix |= UInt32(digit) << shift
                prefixMask |= digitMask << shift
            }
            // `prefix` is the count-th largest magnitude; `remaining` entries equal to it are kept, in index order.
            mask.withUnsafeMutableBufferPointer { m in
                for i in 0..<n {
                    let bits = v[i].bitPattern & 0x7FFF_FFFF
                    if bits > prefix {
                        m[i] = true
                    } else if bits == prefix && remaining > 0 {
                        m[i] = true
                        remaining -= 1
                    }
                }
            }
        }
        return mask
    }

    /// A mask of the `count` entries with the smallest `|value|`.
    /// - Complexity: O(n) expected.
    public static func smallest(_ values: [Float], count: Int) -> [Bool] {
        let n = values.count
        if count <= 0 { return [Bool](repeating: false, count: n) }
        if count >= n { return [Bool](repeating: true, count: n) }
        var magnitudes = values.map { abs($0) }
        let threshold = select(&magnitudes, rank: count - 1)
        var mask = [Bool](repeating: false, count: n)
        var below = 0
        for i in 0..<n where abs(values[i]) < threshold {
            mask[i] = true
            below += 1
        }
        var remaining = count - below
        for i in 0..<n where remaining > 0 && abs(values[i]) == threshold {
            mask[i] = true
            remaining -= 1
        }
        return mask
    }

    /// A mask of the entries whose rank in ascending `|value|` order lies in `lower ..< lower + count`
    /// (breadcrumbs' band between the smallest and the largest magnitudes).
    /// - Complexity: O(n) expected.
    public static func band(_ values: [Float], lower: Int, count: Int) -> [Bool] {
        let upper = smallest(values, count: lower + count)
        let below = smallest(values, count: lower)
        return zip(upper, below).map { $0 && !$1 }
    }

    /// The value of rank `rank` (0-based, ascending) of `values`, which are reordered.
    static func select(_ values: inout [Float], rank: Int) -> Float {
        values.withUnsafeMutableBufferPointer { a in
            var low = 0
            var high = a.count - 1
            while low < high {
                let middle = low + (high - low) / 2
                let x = a[low], y = a[middle], z = a[high]
                let pivot = max(min(x, y), min(max(x, y), z))
                var i = low
                var j = high
                while i <= j {
                    while a[i] < pivot { i += 1 }
                    while a[j] > pivot { j -= 1 }
                    if i <= j {
                        a.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if rank <= j {
                    high = j
                } else if rank >= i {
                    low = i
                } else {
                    return a[rank]
                }
            }
            return a[rank]
        }
    }
}
