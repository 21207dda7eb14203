import Testing
@testable import FoundryCore
