import Testing
@testable import Labeling
