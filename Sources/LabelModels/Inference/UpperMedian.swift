/// The upper median of `values` (the middle value of an odd count, the higher of the two middle values of an even
/// count); 0 for no values.
func upperMedian(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
