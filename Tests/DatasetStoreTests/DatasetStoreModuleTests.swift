import Testing
@testable import DatasetStore
