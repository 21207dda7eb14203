import Testing
@testable import Adapters
